"""Shared numerics of the realdata stage's experiments (``realdata_fig3``, ``realdata_regression``):
the stage's nets (``net_spec``: NTK parameterisation, first layer x / sqrt(d_in)), their analytic
NTK / NNGP in float64 (``analytic_kernels``, ``train_test_kernels``), numpy-drawn initial parameters
(``init_nets``) and full-batch GD with per-seed targets, all seeds vmapped in one compiled program
(``gd_scan`` / ``gd_records``).

GD: S seeds on 1/2 sum_i ||f(x_i) - Y_s,i||^2 (the project's 1/2-sum loss; ``training.gd_update``,
lr convention ``training.effective_eta``). ``training.gd_run`` / ``train_sweep`` share one target
across seeds and have scalar outputs; Jacot's target f* = f_theta0 + a f^(2) depends on each trial's
init, the centred nets' targets Y + f(w_0, X) on each seed's, and one-hot targets need d_out = C:
this is their per-seed-target, multi-output twin. Shapes: params stacked on a leading seed axis S;
x (N, d); Y (S, N, C); outputs (R, S, N, C) at R recorded steps. Cost: 6 N P flops per step and seed
(P parameters). Initial parameters are drawn with numpy in ``models.init_params``' layout: JAX's
threefry costs seconds of compilation per array shape on a CPU.
"""

from __future__ import annotations

import numpy as np

from ..models import MLPSpec
from ..precision import x64_context

STAGE_SALT = 14  # decorrelates this stage's initialisations from other stages using the same seed


def net_spec(net: dict, width: int, d_in: int, d_out: int = 1, depth: int | None = None) -> MLPSpec:
    """The stage's nets: ``net`` = {depth, activation, w_std, b_std}, first layer x / sqrt(d_in)."""
    sec = dict(net, input_scaling="ntk")
    if depth is not None:
        sec["depth"] = depth
    return MLPSpec.from_config(sec, width, d_in, d_out)


def analytic_kernels(spec: MLPSpec, x1: np.ndarray, x2: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Our closed-form NTK / NNGP (``ntk_analytic.limit_kernels``) in float64, as numpy."""
    import jax.numpy as jnp

    from ..ntk_analytic import limit_kernels

    with x64_context(True):
        k = limit_kernels(
            spec, jnp.asarray(x1, jnp.float64), None if x2 is None else jnp.asarray(x2, jnp.float64)
        )
        return {"ntk": np.asarray(k["ntk"]), "nngp": np.asarray(k["nngp"])}


def train_test_kernels(spec: MLPSpec, x: np.ndarray, xt: np.ndarray) -> tuple[dict, dict]:
    """Analytic kernels on the training rows (n, n) and test-vs-train (m, n), from ONE evaluation on
    the stacked rows (one array shape for every depth: JAX compiles each primitive once)."""
    n = len(x)
    k = analytic_kernels(spec, np.concatenate([x, xt]))
    return ({key: v[:n, :n] for key, v in k.items()}, {key: v[n:, :n] for key, v in k.items()})


def init_nets(spec: MLPSpec, n_seeds: int, dtype, *entropy: int):
    """Stacked initial parameters of seeds 0..n_seeds-1 (leading axis S) in ``models.init_params``'
    layout, W_l, b_l ~ N(0, 1), drawn with numpy: seed s from default_rng([*entropy, STAGE_SALT, s])
    (JAX's threefry generator costs ~3-5 CPU seconds of compilation per array shape on a CPU,
    more than the tiny config's whole training)."""
    import jax.numpy as jnp

    rngs = [np.random.default_rng([*entropy, STAGE_SALT, s]) for s in range(n_seeds)]
    params = []
    for n_in, n_out in zip(spec.fan_ins, spec.fan_outs):
        layer = {"W": np.stack([r.standard_normal((n_in, n_out)) for r in rngs])}
        if spec.b_std is not None:
            layer["b"] = np.stack([r.standard_normal(n_out) for r in rngs])
        params.append({k: jnp.asarray(v, dtype) for k, v in layer.items()})
    return params


def gd_scan(spec: MLPSpec, params0, x, Y, eta, counts):
    """Traceable core of ``gd_records`` (call it inside a jit): ``counts`` (R-1,) GD steps per
    segment (a concrete array). Returns (params_T, outputs (R, S, N, C), loss (R, S))."""
    import jax
    import jax.numpy as jnp

    from .. import training
    from ..models import apply

    n_seeds = Y.shape[0]
    eta_s = jnp.full((n_seeds,), eta, x.dtype)
    active = jnp.ones((n_seeds,), bool)
    out = jax.vmap(lambda p: apply(p, x, spec))
    vg = jax.vmap(lambda p, y: jax.value_and_grad(lambda q: 0.5 * jnp.sum((apply(q, x, spec) - y) ** 2))(p))

    def segment(p, k):
        p = jax.lax.fori_loop(0, k, lambda i, q: training.gd_update(q, vg(q, Y)[1], eta_s, active), p)
        f = out(p)
        return p, (f, 0.5 * jnp.sum((f - Y) ** 2, axis=(1, 2)))

    f0 = out(params0)
    p_t, (fs, losses) = jax.lax.scan(segment, params0, jnp.asarray(counts, jnp.int32))
    return (
        p_t,
        jnp.concatenate([f0[None], fs]),
        jnp.concatenate([0.5 * jnp.sum((f0 - Y) ** 2, axis=(1, 2))[None], losses]),
    )


def check_steps(steps) -> np.ndarray:
    steps = np.asarray(steps, dtype=int)
    if steps.ndim != 1 or len(steps) < 2 or steps[0] != 0 or np.any(np.diff(steps) <= 0):
        raise ValueError(f"steps must start at 0 and increase, got {steps.tolist()}")
    return steps


def gd_records(spec: MLPSpec, params0, x, Y, eta: float, steps):
    """Full-batch GD of S seeds on 1/2 sum ||f(x_i) - Y_s,i||^2 with PER-SEED targets Y (S, N, C),
    recording the outputs at ``steps`` (ascending, from 0).

    ``training.gd_run`` / ``train_sweep`` share one target across seeds; Jacot's target
    f* = f_theta0 + a f^(2) and the centred nets' targets Y + f(w_0, X) differ per seed, so this is
    their per-seed-target, multi-output twin (same step: ``training.gd_update``; all seeds vmapped
    in one compiled program). Returns (params_T, outputs (S, R, N, C), loss (S, R)) at the R steps.
    """
    import jax

    counts = np.diff(check_steps(steps))
    p_t, fs, losses = jax.jit(lambda p, xx, y: gd_scan(spec, p, xx, y, eta, counts))(params0, x, Y)
    return p_t, np.swapaxes(np.asarray(fs), 0, 1), np.asarray(losses).T


def apply_net(p, x, spec):
    from ..models import apply

    return apply(p, x, spec)
