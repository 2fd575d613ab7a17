"""Coordinate-MLP image regression (Tancik et al. 2020, Sec. 6 / Table 1), jitted and vmapped over images.

Network (the paper's code, ``jax.example_libraries.stax``): ``hidden_layers`` Dense + ReLU layers of
``width`` (paper: 3 x 256), a Dense read-out to 3 channels and a sigmoid. STANDARD parameterisation,
not NTK: z = h @ W + b with W ~ glorot normal (truncated normal, variance 2 / (fan_in + fan_out))
and b ~ N(0, 0.01^2), i.e. stax.Dense's defaults.

Training: full-batch Adam (optax) on the mean-squared-error loss L = 1/2 mean_{pixels, channels}
(f - y)^2 (the paper's convention; Adam is insensitive to the loss scale), ``steps`` steps, the
final iterate is evaluated. Inputs are gamma(v) of the train-grid coordinates, computed once.
PSNR = -10 log10(MSE) with MSE over pixels and RGB channels in [0, 1], per image.

Shapes: x (P, 2) coordinates shared by the images; y (n, P, 3) targets; parameters are a list of
{"W", "b"} dicts stacked on axis 0 over images (one independent network per image).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax


def init_mlp(key: jax.Array, d_in: int, width: int, hidden_layers: int, d_out: int = 3) -> list[dict]:
    """stax.Dense defaults: W ~ glorot_normal (fan_in, fan_out), b ~ N(0, 0.01^2)."""
    sizes = [d_in] + [width] * hidden_layers + [d_out]
    w_init, b_init = jax.nn.initializers.glorot_normal(), jax.nn.initializers.normal(1e-2)
    params = []
    for k, (n_in, n_out) in zip(jax.random.split(key, len(sizes) - 1), zip(sizes[:-1], sizes[1:])):
        kw, kb = jax.random.split(k)
        params.append({"W": w_init(kw, (n_in, n_out), jnp.float32), "b": b_init(kb, (n_out,), jnp.float32)})
    return params


def mlp_apply(params: list[dict], h: jax.Array) -> jax.Array:
    """(N, d_in) mapped inputs -> (N, d_out) in (0, 1): ReLU hidden layers, linear read-out, sigmoid."""
    for layer in params[:-1]:
        h = jax.nn.relu(h @ layer["W"] + layer["b"])
    return jax.nn.sigmoid(h @ params[-1]["W"] + params[-1]["b"])


def mse(pred: jax.Array, y: jax.Array) -> jax.Array:
    """Mean over every axis but the leading (image) one: (n, P, 3) -> (n,); (P, 3) -> ()."""
    axes = tuple(range(pred.ndim - 2, pred.ndim))
    return jnp.mean((pred - y) ** 2, axis=axes)


def psnr(pred, y):
    """-10 log10(MSE) in dB for values in [0, 1], per image."""
    return -10.0 * jnp.log10(mse(pred, y))


def fit_images(
    feat_train: jax.Array,
    y_train: jax.Array,
    feat_test: jax.Array,
    y_test: jax.Array,
    *,
    width: int,
    hidden_layers: int,
    lr: float,
    steps: int,
    eval_every: int,
    key: jax.Array,
    batch_images: int = 0,
    feat_full: jax.Array | None = None,
    on_eval=None,
) -> dict:
    """Train one network per image (vmapped) with full-batch Adam; return curves and final results.

    feat_train (P, D), y_train (n, P, 3), feat_test (Q, D), y_test (n, Q, 3); ``feat_full`` (R, D)
    optional (e.g. the full pixel grid) for reconstructions. Image i uses the init key
    fold_in(key, i). ``batch_images`` images are trained at once (0: all), to bound memory.
    ``on_eval(done, total, psnr_train_mean, psnr_test_mean)`` is called at every evaluation
    (done / total count image-steps).

    Returns numpy arrays: steps (T,), psnr_train (n, T), psnr_test (n, T) (recorded every
    ``eval_every`` steps, including 0 and ``steps``), final_train (n,), final_test (n,),
    recon (n, R, 3) when feat_full is given, seconds (training wall time).
    """
    n = y_train.shape[0]
    batch = n if batch_images <= 0 else min(batch_images, n)
    opt = optax.adam(lr)

    def loss_fn(params, y):
        return 0.5 * jnp.mean((mlp_apply(params, feat_train) - y) ** 2)

    def step(carry, y):
        params, state = carry
        grads = jax.grad(loss_fn)(params, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    @jax.jit
    def init(keys):
        params = jax.vmap(lambda k: init_mlp(k, feat_train.shape[1], width, hidden_layers))(keys)
        return params, jax.vmap(opt.init)(params)

    @jax.jit
    def run(params, state, y, n_steps):
        body = lambda _, c: jax.vmap(step)(c, y)  # noqa: E731
        return jax.lax.fori_loop(0, n_steps, body, (params, state))

    @jax.jit
    def evaluate(params, y_tr, y_te):
        f = jax.vmap(mlp_apply, (0, None))
        return psnr(f(params, feat_train), y_tr), psnr(f(params, feat_test), y_te)

    @jax.jit
    def predict(params, x):
        return jax.vmap(mlp_apply, (0, None))(params, x)

    schedule = [0]
    while schedule[-1] < steps:
        schedule.append(min(schedule[-1] + eval_every, steps))
    curves_tr = np.zeros((n, len(schedule)), np.float32)
    curves_te = np.zeros((n, len(schedule)), np.float32)
    recon = []
    t0 = time.perf_counter()
    for lo in range(0, n, batch):
        idx = np.arange(lo, min(lo + batch, n))
        y_tr, y_te = y_train[idx], y_test[idx]
        keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.asarray(idx))
        params, state = init(keys)
        for t, s in enumerate(schedule):
            if t:
                params, state = run(params, state, y_tr, s - schedule[t - 1])
            p_tr, p_te = evaluate(params, y_tr, y_te)
            curves_tr[idx, t], curves_te[idx, t] = np.asarray(p_tr), np.asarray(p_te)
            if on_eval is not None:
                on_eval(lo * steps + s * len(idx), n * steps, float(p_tr.mean()), float(p_te.mean()))
        if feat_full is not None:
            recon.append(np.asarray(predict(params, feat_full)))
    out = {
        "steps": np.asarray(schedule),
        "psnr_train": curves_tr,
        "psnr_test": curves_te,
        "final_train": curves_tr[:, -1].copy(),
        "final_test": curves_te[:, -1].copy(),
        "seconds": np.float64(time.perf_counter() - t0),
    }
    if feat_full is not None:
        out["recon"] = np.concatenate(recon).astype(np.float32)
    if not np.all(np.isfinite(out["final_test"])):
        raise FloatingPointError("non-finite PSNR after training (diverged?)")
    return out
