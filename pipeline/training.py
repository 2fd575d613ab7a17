"""Full-batch gradient descent on the MSE, vmapped over seeds, with the lazy-training records.

Loss convention (fixed for the whole project): L(w) = 1/2 sum_i (f(w, x_i) - y_i)^2, no 1/N; one
GD step is w <- w - eta * grad L, so in the lazy regime the train residual u = f - y obeys
u_{t+1} ~= (I - eta K0) u_t (K0: empirical NTK at init). A learning rate given on Jacot et al.'s
1/(2N) loss becomes eta = lr / N here (``effective_eta``).

Shapes: S seeds, N train points, M test points, T recorded steps, L1 = depth + 1 layers. Outputs are
scalar (d_out = 1): f (N,). Parameters of S seeds are one stacked pytree (leading axis S) of
``models.init_params``.

The engine (``train_sweep``) is ONE compiled program per width: a ``lax.scan`` over segments of GD
steps (each a ``fori_loop``; no Python loop over steps or seeds) that end at the recorded steps,
where a ``lax.cond`` records (loss, outputs on train and test, ||w_t - w_0|| / ||w_0|| in total and
per layer, the empirical NTK K_t on the train set and its drift from K_0); the per-seed step is
``vmap``-ed over seeds (or ``lax.map``-ed in groups, ``over_seeds``). The steps are cut into a few
equal chunks (the same compiled program is called once per chunk) so that the host can log progress
and stop on divergence between chunks. The linearised model (``linearized.kernel_gd_step``, the
function-space form of GD on f(w0) + J(w0)(w - w0), exact) is advanced in the same scan.

For one-hidden-layer ReLU nets (the two-layer ReLU net, with or without bias) the gradient, outputs and NTK
use a hand-written form (``fast_one_hidden_relu``) that avoids materialising relu(z) and XLA's slow
(N, d) @ (d, m) product for tiny d: with x~ = [c1 x, b_std] (c1 = w_std_first / sqrt(d)), theta =
[W; b] (d+1, m), mask = 1[x~ theta > 0] and the read-out v (m,), c2 = w_std / sqrt(m):

    f = c2 * sum_k x~_k * (mask @ (v * theta_k)) + b_std * b_out      (relu(z) = mask * z)
    P = (x~ * u)^T @ mask,  dL/dtheta = c2 * v * P,  dL/dv = c2 * sum_k theta_k * P_k.

Other architectures use ``jax.value_and_grad`` of ``models.apply`` and ``ntk_empirical.ntk_parts``.
Both forms are tested against each other.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from . import linearized
from .models import MLPSpec, apply, init_params
from .ntk_empirical import ntk_parts


class DivergenceError(RuntimeError):
    """A GD run diverged (non-finite loss or loss grown by the divergence factor)."""


# --------------------------------------------------------------------------------------------
# learning rate, recorded steps, initialisation
# --------------------------------------------------------------------------------------------


def effective_eta(lr: float, n_train: int, loss: str = "sum") -> float:
    """Step size on our 1/2-sum loss for a learning rate given on ``loss`` ('sum' or 'mean' = 1/(2N))."""
    if loss == "sum":
        return float(lr)
    if loss == "mean":
        return float(lr) / n_train
    raise ValueError(f"loss normalisation must be 'sum' or 'mean', got {loss!r}")


def record_steps(n_steps: int, n_dense: int, n_log: int) -> np.ndarray:
    """Recorded steps: every step 0..n_dense, then n_log log-spaced steps up to n_steps (int, ascending,
    unique, always containing 0 and n_steps)."""
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}")
    dense = np.arange(0, min(n_dense, n_steps) + 1)
    start = max(min(n_dense, n_steps), 1)
    logs = np.round(np.geomspace(start, n_steps, max(n_log, 2))).astype(int)
    return np.unique(np.concatenate([dense, logs, [0, n_steps]]))


def init_batch(key: jax.Array, spec: MLPSpec, seeds, dtype=jnp.float32):
    """Stacked parameters of the given seeds: seed s is ``init_params(fold_in(key, s), spec)``."""
    keys = jnp.stack([jax.random.fold_in(key, int(s)) for s in seeds])
    return jax.vmap(lambda k: init_params(k, spec, dtype))(keys)


def first_layer_units(params, n_units: int):
    """First-layer weights of the first ``n_units`` hidden units: (S, d_in, U) from stacked params."""
    return params[0]["W"][..., :n_units]


# --------------------------------------------------------------------------------------------
# per-seed model functions: outputs, loss + gradient, NTK parts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFns:
    """Per-seed functions of one architecture (vmap them over seeds)."""

    output: Callable  # (params, x (N, d)) -> f (N,)
    loss_grad: Callable  # (params, x, y (N,)) -> (loss (), f (N,), grads)
    kernel_parts: Callable  # (params, x1, x2=None) -> (L1, N1, N2)


def uses_fast_path(spec: MLPSpec) -> bool:
    """The hand-written form covers the NTK parameterisation only (``models`` conventions)."""
    return (
        spec.depth == 1 and spec.activation == "relu" and spec.d_out == 1 and spec.parameterization == "ntk"
    )


def _small_matmul(x, w):
    """x (N, k) @ w (k, m) as a sum of k outer products (fast in XLA for tiny k)."""
    if x.shape[1] > 8:
        return x @ w
    z = x[:, 0:1] * w[0][None, :]
    for k in range(1, x.shape[1]):
        z = z + x[:, k : k + 1] * w[k][None, :]
    return z


def fast_one_hidden_relu(spec: MLPSpec) -> ModelFns:
    """Hand-written outputs / gradient / NTK parts of a depth-1 ReLU net (see module docstring)."""
    if not uses_fast_path(spec):
        raise ValueError(f"fast path needs depth 1, relu, d_out 1; got {spec}")
    c1 = spec.w_stds[0] / math.sqrt(spec.d_in)
    c2 = spec.w_stds[1] / math.sqrt(spec.width)
    beta = spec.b_std

    def xt_theta(params, x):
        if beta is None:
            return c1 * x, params[0]["W"]
        ones = jnp.full((x.shape[0], 1), beta, x.dtype)
        return jnp.concatenate([c1 * x, ones], 1), jnp.concatenate([params[0]["W"], params[0]["b"][None]], 0)

    def out_bias(params):
        return 0.0 if beta is None else beta * params[1]["b"][0]

    def forward(params, x):
        xt, theta = xt_theta(params, x)
        mask = (_small_matmul(xt, theta) > 0).astype(x.dtype)  # (N, m)
        v = params[1]["W"][:, 0]
        q = mask @ (v[None, :] * theta).T  # (N, d')
        return c2 * jnp.sum(xt * q, 1) + out_bias(params), xt, theta, mask, v

    def output(params, x):
        return forward(params, x)[0]

    def loss_grad(params, x, y):
        f, xt, theta, mask, v = forward(params, x)
        u = f - y
        p = (xt * u[:, None]).T @ mask  # (d', m)
        g_theta = c2 * v[None, :] * p
        g_v = c2 * jnp.sum(theta * p, 0)
        grads = [{"W": g_theta[: spec.d_in]}, {"W": g_v[:, None]}]
        if beta is not None:
            grads[0]["b"] = g_theta[spec.d_in]
            grads[1]["b"] = beta * jnp.sum(u)[None]
        return 0.5 * jnp.sum(u * u), f, grads

    def signals(params, x):
        xt, theta = xt_theta(params, x)
        z = _small_matmul(xt, theta)
        mask = (z > 0).astype(x.dtype)
        v = params[1]["W"][:, 0]
        return xt, mask * z, mask * (c2 * v)[None, :]

    def kernel_parts(params, x1, x2=None):
        xt1, h1, g1 = signals(params, x1)
        xt2, h2, g2 = (xt1, h1, g1) if x2 is None else signals(params, x2)
        k_first = (xt1 @ xt2.T) * (g1 @ g2.T)  # weights (c1^2 x.x') and bias (b_std^2) of layer 1
        k_out = c2**2 * (h1 @ h2.T)
        if beta is not None:
            k_out = k_out + beta**2
        return jnp.stack([k_first, k_out])

    return ModelFns(output, loss_grad, kernel_parts)


def generic_fns(spec: MLPSpec) -> ModelFns:
    """Outputs / gradient (autodiff of ``models.apply``) / NTK parts (``ntk_empirical``) of any MLPSpec."""
    if spec.d_out != 1:
        raise ValueError("training here is for scalar outputs (d_out = 1)")

    def output(params, x):
        return apply(params, x, spec)[:, 0]

    def loss_grad(params, x, y):
        def loss(p):
            f = output(p, x)
            return 0.5 * jnp.sum((f - y) ** 2), f

        (l, f), g = jax.value_and_grad(loss, has_aux=True)(params)
        return l, f, g

    def kernel_parts(params, x1, x2=None):
        if spec.parameterization != "ntk":  # ntk_parts hard-codes the NTK multipliers
            raise NotImplementedError(
                f"empirical NTK parts of a {spec.parameterization!r} net: use parameterisations.effective_ntk"
            )
        return ntk_parts(params, x1, spec, x2)

    return ModelFns(output, loss_grad, kernel_parts)


def model_fns(spec: MLPSpec, fast: bool | None = None) -> ModelFns:
    """The fast hand-written form where it applies (``fast=None``), else autodiff."""
    if fast is None:
        fast = uses_fast_path(spec)
    return fast_one_hidden_relu(spec) if fast else generic_fns(spec)


# --------------------------------------------------------------------------------------------
# GD building blocks (batched over seeds)
# --------------------------------------------------------------------------------------------


def _bcast(a, leaf):
    """Broadcast a per-seed (S,) array against a stacked leaf (S, ...)."""
    return a.reshape(a.shape + (1,) * (leaf.ndim - a.ndim))


def over_seeds(fn, seed_batch: int | None = None):
    """``fn(params, *shared)`` of one seed -> the same over stacked seeds (leading axis S).

    ``seed_batch`` None: ``vmap`` over all seeds at once (the default; best on a GPU). An integer k:
    ``lax.map`` over groups of k seeds, each group vmapped -- the same numbers, but on a CPU the
    (k, N, m) hidden-layer arrays of a group stay in cache (seed_batch 1 was ~1.6x faster than
    vmapping 5 seeds at m = 16384 here; see benchmarks/train_speed.py).
    """
    if seed_batch is None:
        return lambda params, *shared: jax.vmap(lambda p: fn(p, *shared))(params)

    def mapped(params, *shared):
        return jax.lax.map(lambda p: fn(p, *shared), params, batch_size=seed_batch)

    return mapped


def gd_update(params, grads, eta, active):
    """w <- w - eta * grad for active seeds; frozen otherwise. eta, active: (S,)."""
    return jax.tree.map(
        lambda p, g: jnp.where(_bcast(active, p), p - _bcast(eta, p).astype(p.dtype) * g, p), params, grads
    )


def rel_change(params, params0):
    """||w - w0|| / ||w0|| per seed: total (S,) and per layer (S, L1) (a layer = its W and b)."""
    num, den = [], []
    for layer, layer0 in zip(params, params0):
        num.append(
            sum(jnp.sum((layer[k] - layer0[k]) ** 2, axis=tuple(range(1, layer[k].ndim))) for k in layer)
        )
        den.append(sum(jnp.sum(layer0[k] ** 2, axis=tuple(range(1, layer0[k].ndim))) for k in layer0))
    num, den = jnp.stack(num, 1), jnp.stack(den, 1)
    return jnp.sqrt(num.sum(1) / den.sum(1)), jnp.sqrt(num / den)


def gd_run(
    spec: MLPSpec, params0, x, y, eta, n_steps: int, fast: bool | None = None, seed_batch: int | None = None
):
    """Plain vmapped GD for ``n_steps`` (no records): returns (params_T, loss (n_steps + 1, S)).

    eta: (S,) or scalar on the 1/2-sum loss; y: (N,). The last loss row is the loss at step n_steps.
    """
    fns = model_fns(spec, fast)
    lg = over_seeds(fns.loss_grad, seed_batch)
    n_seeds = jax.tree.leaves(params0)[0].shape[0]
    eta = jnp.broadcast_to(jnp.asarray(eta, x.dtype), (n_seeds,))
    active = jnp.ones((n_seeds,), bool)

    @jax.jit
    def run(params):
        def step(p, _):
            loss, _, g = lg(p, x, y)
            return gd_update(p, g, eta, active), loss

        p_t, losses = jax.lax.scan(step, params, None, length=n_steps)
        loss_t = lg(p_t, x, y)[0]
        return p_t, jnp.concatenate([losses, loss_t[None]])

    return run(params0)


# --------------------------------------------------------------------------------------------
# the recorded sweep
# --------------------------------------------------------------------------------------------

RUN_KEYS = ("params", "lin_train", "lin_test", "diverged", "div_step", "loss_now", "t")
RECORD_KEYS = (
    "loss",
    "f_train",
    "f_test",
    "f_lin_train",
    "f_lin_test",
    "w_rel",
    "w_rel_layers",
    "k_drift_fro",
    "k_drift_op",
)


def _chunk_plan(n_steps: int, steps: np.ndarray, n_chunks: int):
    """Segments (run k GD steps, then record into slot r; r = -1: no record), grouped into
    ``n_chunks`` chunks of about n_steps / n_chunks steps each, every chunk padded with (0, -1) to
    the same number of segments (so one compiled program serves all chunks).
    Returns (k (C, G), r (C, G)) int32."""
    n_chunks = max(1, min(n_chunks, n_steps))
    bounds = np.unique(np.round(np.linspace(0, n_steps, n_chunks + 1)).astype(int))
    cuts = np.unique(np.concatenate([steps, bounds]))
    slot_of = {int(s): i for i, s in enumerate(steps)}
    chunks, cur, c = [], [], 1
    prev = 0
    for s in cuts:
        cur.append((int(s) - prev, slot_of.get(int(s), -1)))
        prev = int(s)
        if c < len(bounds) and s == bounds[c]:
            chunks.append(cur)
            cur, c = [], c + 1
    if cur:
        chunks.append(cur)
    width = max(len(ch) for ch in chunks)
    k = np.zeros((len(chunks), width), np.int32)
    r = np.full((len(chunks), width), -1, np.int32)
    for i, ch in enumerate(chunks):
        for j, (kk, rr) in enumerate(ch):
            k[i, j], r[i, j] = kk, rr
    return k, r


@functools.lru_cache(maxsize=16)
def make_sweep_program(
    spec: MLPSpec,
    n_steps: int,
    n_records: int,
    divergence_factor: float,
    fast: bool | None = None,
    seed_batch: int | None = None,
):
    """The chunk program ``advance(state, consts, counts (G,), slots (G,)) -> state``: for each segment
    g, ``counts[g]`` GD steps (a while loop), then the records into slot ``slots[g]`` (none if -1).
    Returns (model fns, ``compile_for(*args)`` -> the program compiled for those shapes, cached).

    state: params, lin_train (S, N), lin_test (S, M), diverged (S,), div_step (S,), KT (S, N, N) and
    the record buffers (T, S, ...). consts: params0, x_train, y (S, N) the targets the net is trained
    on, x_test, eta (S,), K0, K0_test, loss0 (S,), f0 (S, N), f0_test (S, M) subtracted from the
    recorded outputs (zero unless centred).
    """
    fns = model_fns(spec, fast)
    # targets are per seed (S, N): a centred model trains on y + f(w0) (see ``train_sweep``)
    lg_pairs = over_seeds(lambda py, x: fns.loss_grad(py[0], x, py[1]), seed_batch)
    lg = lambda p, x, y: lg_pairs((p, y), x)  # noqa: E731
    out = over_seeds(fns.output, seed_batch)
    kern = over_seeds(lambda p, x: fns.kernel_parts(p, x).sum(0), seed_batch)

    def record(state, c, slot):
        p = state["params"]
        loss, f, _ = lg(p, c["x_train"], c["y"])
        f = f - c["f0"]  # records hold the centred outputs (f0 = 0 unless centred)
        f_test = out(p, c["x_test"]) - c["f0_test"]
        w_rel, w_rel_layers = rel_change(p, c["params0"])
        K = kern(p, c["x_train"])
        dK = K - c["K0"]
        fro = jnp.sqrt(jnp.sum(dK**2, (1, 2)) / jnp.sum(c["K0"] ** 2, (1, 2)))
        op = jnp.max(jnp.abs(jnp.linalg.eigvalsh(dK)), -1)
        vals = {
            "loss": loss,
            "f_train": f,
            "f_test": f_test,
            "f_lin_train": state["lin_train"] - c["f0"],
            "f_lin_test": state["lin_test"] - c["f0_test"],
            "w_rel": w_rel,
            "w_rel_layers": w_rel_layers,
            "k_drift_fro": fro,
            "k_drift_op": op,
        }
        # records of a diverged seed are NaN (the run is marked and kept out of fits and figures)
        bad = state["diverged"] | ~jnp.isfinite(loss) | (loss > divergence_factor * c["loss0"])
        new = dict(state)
        for k, v in vals.items():
            v = jnp.where(_bcast(bad, v), jnp.nan, v.astype(state[k].dtype))
            new[k] = state[k].at[slot].set(v)
        new["KT"] = K.astype(state["KT"].dtype)
        return new

    def gd_step(state, c, t):
        loss, _, g = lg(state["params"], c["x_train"], c["y"])
        bad = ~jnp.isfinite(loss) | (loss > divergence_factor * c["loss0"])
        newly = bad & ~state["diverged"]
        diverged = state["diverged"] | bad
        active = ~diverged
        new = dict(state)
        new["params"] = gd_update(state["params"], g, c["eta"], active)
        lt, lx = linearized.kernel_gd_step(
            state["lin_train"], state["lin_test"], c["y"], c["K0"], c["K0_test"], c["eta"]
        )
        new["lin_train"] = jnp.where(active[:, None], lt, state["lin_train"])
        new["lin_test"] = jnp.where(active[:, None], lx, state["lin_test"])
        new["diverged"] = diverged
        new["div_step"] = jnp.where(newly, t, state["div_step"])
        new["loss_now"] = loss
        new["t"] = t + 1
        return new

    @jax.jit
    def advance(state, consts, counts, slots):
        def segment(state, inp):
            k, slot = inp
            run = {k: state[k] for k in RUN_KEYS}  # only these change during GD steps
            run = jax.lax.fori_loop(0, k, lambda i, s: gd_step(s, consts, s["t"]), run)
            state = {**state, **run}
            state = jax.lax.cond(slot >= 0, lambda s: record(s, consts, slot), lambda s: s, state)
            return state, None

        return jax.lax.scan(segment, state, (counts, slots))[0]

    compiled = {}

    def compile_for(*args):
        """The compiled ``advance`` for these argument shapes and dtypes (compiled once, cached)."""
        key = str(jax.tree.map(lambda a: (jnp.shape(a), jnp.result_type(a)), args))
        if key not in compiled:
            compiled[key] = advance.lower(*args).compile()
        return compiled[key]

    return fns, compile_for


def train_sweep(
    spec: MLPSpec,
    params0,
    x_train,
    y_train,
    x_test,
    *,
    n_steps: int,
    steps,
    lr: float,
    lr_mode: str = "relative",
    divergence_factor: float = 1000.0,
    n_chunks: int = 10,
    fast: bool | None = None,
    on_chunk: Callable | None = None,
    on_compiled: Callable | None = None,
    heatmap_units: int = 48,
    seed_batch: int | None = None,
    centre: bool = False,
) -> dict[str, np.ndarray]:
    """Train S seeds of ``spec`` by full-batch GD and return the records of the train file format
    (``pipeline.stages.train`` docstring).

    params0: stacked init (S, ...). x_train (N, d), y_train (N,), x_test (M, d) in the working dtype.
    lr_mode 'relative': eta_s = lr / lambda_max(K0_s) per seed; 'absolute': eta = lr (already on the
    1/2-sum loss, see ``effective_eta``). ``steps``: the recorded steps (from ``record_steps``).
    ``seed_batch``: see ``over_seeds`` (None: all seeds vmapped at once).
    ``centre``: train the centred model f(w, x) - f(w0, x) (Chizat et al. 2019), i.e. the net on the
    targets y + f(w0, x) per seed (the same gradients), so that u_0 = -y holds only the target's
    components; the recorded outputs (real and linearised) are then the centred ones.
    ``on_chunk(steps_done, state, eta)`` is called on the host after each chunk (progress,
    divergence; raising there stops the run); ``on_compiled(seconds)`` once the program is compiled.
    Returns numpy arrays: eta, lambda_max, loss, f_train, f_test, f_lin_train, f_lin_test, w_rel,
    w_rel_layers, K0, KT, k_drift_fro, k_drift_op, diverged, diverged_step, w_first_0, w_first_T.
    """
    steps = np.asarray(steps)
    if steps[0] != 0 or steps[-1] != n_steps or np.any(np.diff(steps) <= 0):
        raise ValueError("steps must be ascending, start at 0 and end at n_steps")
    fns, compile_for = make_sweep_program(spec, n_steps, len(steps), divergence_factor, fast, seed_batch)
    dtype = x_train.dtype
    n_seeds = jax.tree.leaves(params0)[0].shape[0]
    n, m_test, n_rec = x_train.shape[0], x_test.shape[0], len(steps)

    kfun = jax.jit(jax.vmap(lambda p, x1, x2: fns.kernel_parts(p, x1, x2).sum(0), in_axes=(0, None, None)))
    K0 = jax.jit(jax.vmap(lambda p, x: fns.kernel_parts(p, x).sum(0), in_axes=(0, None)))(params0, x_train)
    K0_test = kfun(params0, x_test, x_train)
    lam_max = jnp.linalg.eigvalsh(K0)[:, -1]
    if lr_mode == "relative":
        eta = (lr / lam_max).astype(dtype)
    elif lr_mode == "absolute":
        eta = jnp.full((n_seeds,), lr, dtype)
    else:
        raise ValueError(f"lr_mode must be 'relative' or 'absolute', got {lr_mode!r}")
    out0 = jax.jit(jax.vmap(fns.output, in_axes=(0, None)))
    f0, f0_test = out0(params0, x_train), out0(params0, x_test)
    y_seeds = jnp.broadcast_to(y_train[None], f0.shape) + (f0 if centre else 0.0)
    loss0 = 0.5 * jnp.sum((f0 - y_seeds) ** 2, 1)

    consts = {
        "params0": params0,
        "x_train": x_train,
        "y": y_seeds,
        "f0": f0 if centre else jnp.zeros_like(f0),
        "f0_test": f0_test if centre else jnp.zeros_like(f0_test),
        "x_test": x_test,
        "eta": eta,
        "K0": K0,
        "K0_test": K0_test,
        "loss0": loss0,
    }
    L1 = spec.depth + 1
    buf = lambda *shape: jnp.zeros((n_rec, n_seeds) + shape, dtype)  # noqa: E731
    state = {
        "params": params0,
        "lin_train": f0,
        "lin_test": f0_test,
        "diverged": jnp.zeros((n_seeds,), bool),
        "loss_now": loss0,
        "t": jnp.int32(0),
        "div_step": jnp.full((n_seeds,), -1, jnp.int32),
        "KT": K0,
        "loss": buf(),
        "f_train": buf(n),
        "f_test": buf(m_test),
        "f_lin_train": buf(n),
        "f_lin_test": buf(m_test),
        "w_rel": buf(),
        "w_rel_layers": buf(L1),
        "k_drift_fro": buf(),
        "k_drift_op": buf(),
    }
    counts, slots = _chunk_plan(n_steps, steps, n_chunks)
    t0 = time.perf_counter()
    program = compile_for(state, consts, jnp.asarray(counts[0]), jnp.asarray(slots[0]))  # once, ahead of time
    if on_compiled is not None:
        on_compiled(time.perf_counter() - t0)
    for c in range(counts.shape[0]):
        state = program(state, consts, jnp.asarray(counts[c]), jnp.asarray(slots[c]))
        if on_chunk is not None:
            on_chunk(int(counts[: c + 1].sum()), state, np.asarray(eta))

    res = {k: np.swapaxes(np.asarray(state[k]), 0, 1) for k in RECORD_KEYS}  # (S, T, ...)
    res.update(
        eta=np.asarray(eta),
        lambda_max=np.asarray(lam_max),
        K0=np.asarray(K0),
        KT=np.asarray(state["KT"]),
        diverged=np.asarray(state["diverged"]),
        diverged_step=np.asarray(state["div_step"]),
        w_first_0=np.asarray(first_layer_units(params0, heatmap_units)),
        w_first_T=np.asarray(first_layer_units(state["params"], heatmap_units)),
    )
    return res


def divergence_message(arch: str, width: int, seeds, res_or_state, eta) -> str | None:
    """Human message naming arch, width, seed, learning rate and step of every diverged seed (or None)."""
    div = np.asarray(res_or_state["diverged"] if "diverged" in res_or_state else [])
    if not div.any():
        return None
    step_key = "diverged_step" if "diverged_step" in res_or_state else "div_step"
    steps = np.asarray(res_or_state[step_key])
    parts = [
        f"seed {int(seeds[i])} (learning rate eta = {float(np.asarray(eta)[i]):.4g} on the 1/2-sum loss, "
        f"step {int(steps[i])})"
        for i in np.flatnonzero(div)
    ]
    return (
        f"training diverged for arch {arch!r}, width {width}: "
        + "; ".join(parts)
        + " (non-finite loss or loss grown by the divergence factor). Lower train.lr, or set "
        "train.on_divergence: mark to keep the other seeds."
    )
