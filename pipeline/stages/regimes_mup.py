"""Stage regimes, parameterisation experiments (NTK / standard / muP, ``pipeline.parameterisations``).

``width_sweep``: the one-hidden-layer ReLU net on the circle task under each parameterisation at
every width, full-batch GD (optax SGD with per-layer learning rates), base step eta = lr / lambda_max
of the effective kernel at the smallest width (standard: times smallest / width when
``standard_lr`` is inverse_width). Arrays (P, W, S): a_rel = ||A_T - A_0||_F / ||A_0||_F (first
layer), h_rel = ||h_T - h_0||_F / ||h_0||_F (h = relu(z_1) on x_train), train_loss (per point),
diverged; eta (P, W). Cost: sum_w P S T 6 N P_w flops, one program per width.

``coord_check`` (microsoft/mup, mup/coord_check.py): a depth-hidden-layer MLP on one fixed batch of
the 8x8 digits reused every step, cross-entropy; mean |z| of every pre-activation and of the output
at steps 1..steps (step 1 before any update): (P, O, W, S, steps, depth + 1).

``lr_transfer`` (Tensor Programs V, Fig. 1): mean cross-entropy on a fixed subset of the digits
after ``steps`` minibatch steps vs base learning rate 2^k: (P, W, L, S); parameterisations, lrs and
seeds vmapped, one program per width.
"""

from __future__ import annotations

import time

import numpy as np

from .regimes_common import (
    CHANCE_LOSS,
    LIGHT_WIDTH,
    call,
    experiment_rng,
    load_digits,
    mlp_spec,
    param_batch,
    width_spec,
    xent,
)


def base_etas(
    params: list[str],
    data: dict,
    base_width: int,
    lr,
    seed: int,
    n_seeds: int,
    mup_base_width: int | None = None,
) -> np.ndarray:
    """lr / lambda_max of the effective kernel (sum over leaves of lr multiplier x J J^T) at the
    smallest width ``base_width``, averaged over the seeds' inits, per parameterisation (P,); muP's
    base shape ``mup_base_width`` (None: ``base_width``); ``lr`` a float or one per parameterisation
    (a dict)."""
    import jax
    import jax.numpy as jnp

    from .. import parameterisations as P

    x = jnp.asarray(data["x_train"])
    mb = base_width if mup_base_width is None else int(mup_base_width)
    specs = [width_spec(p, base_width, x.shape[1], mb) for p in params]
    p0, mults, lr_mults = param_batch(
        specs, P.normal_draws(experiment_rng(seed, "width", base_width), specs[0], n_seeds), "sgd"
    )

    def kern(p, m, lm):
        return P.effective_ntk(specs[0], p, x, mults=m, lr_mults=lm)

    per_param = jax.vmap(jax.vmap(kern, in_axes=(0, None, None)))
    lam = np.linalg.eigvalsh(np.asarray(jax.jit(per_param)(p0, mults, lr_mults), np.float64))[..., -1]
    lrs = np.asarray([lr[p] if isinstance(lr, dict) else lr for p in params], float)
    return lrs / lam.mean(1)


def width_sweep(
    data: dict,
    params: list[str],
    widths,
    n_seeds: int,
    steps: int,
    lr,
    standard_lr: str,
    seed: int,
    logger=None,
    mup_base_width: int | None = None,
) -> dict:
    """Full-batch GD of the one-hidden-layer net per (parameterisation, width); arrays (P, W, S).
    All parameterisations of one width run in one compiled program (vmapped over them and the seeds).
    ``mup_base_width``: muP's base width (None: the smallest width, where muP is the standard
    parameterisation)."""
    import jax.numpy as jnp

    from .. import parameterisations as P

    x, y = jnp.asarray(data["x_train"]), jnp.asarray(data["y_train"])
    widths = sorted(int(w) for w in widths)
    base = widths[0]
    mb = base if mup_base_width is None else int(mup_base_width)
    out = {k: np.full((len(params), len(widths), n_seeds), np.nan) for k in ("a_rel", "h_rel", "train_loss")}
    out["diverged"] = np.zeros((len(params), len(widths), n_seeds), bool)
    etas = np.zeros((len(params), len(widths)))
    eta0 = base_etas(params, data, base, lr, seed, n_seeds, mb)
    for j, m in enumerate(widths):
        t0 = time.perf_counter()
        specs = [width_spec(p, m, x.shape[1], mb) for p in params]
        scale = [base / m if (p == "standard" and standard_lr == "inverse_width") else 1.0 for p in params]
        etas[:, j] = eta0 * np.asarray(scale)
        # the same draws for every parameterisation
        p0, mults, lr_mults = param_batch(
            specs, P.normal_draws(experiment_rng(seed, "width", m), specs[0], n_seeds), "sgd"
        )
        res = call(
            _width_program(specs[0], x, y, steps),
            p0,
            mults,
            lr_mults,
            jnp.asarray(etas[:, j], jnp.float32),
            light=m <= LIGHT_WIDTH,
        )
        a_rel, h_rel, tl = (np.asarray(v) for v in res)  # (P, S)
        bad = ~np.isfinite(tl) | ~np.isfinite(a_rel)
        out["diverged"][:, j] = bad
        for k, v in (("a_rel", a_rel), ("h_rel", h_rel), ("train_loss", tl)):
            out[k][:, j] = np.where(bad, np.nan, v)
        if logger is not None:
            for i, p in enumerate(params):
                logger.info(
                    f"width sweep {p} m={m}: eta {etas[i, j]:.4g}, a_rel {np.nanmean(a_rel[i]):.4g}, "
                    f"h_rel {np.nanmean(h_rel[i]):.4g}, loss {np.nanmean(tl[i]):.4g}, "
                    f"diverged {int(bad[i].sum())}"
                )
            logger.info(f"width {m}: {time.perf_counter() - t0:.1f} s")
    out.update(widths=np.asarray(widths), params=np.asarray(params), eta=etas, mup_base_width=np.int64(mb))
    return out


def _width_program(spec, x, y, steps: int):
    """Jitted (p0 (P, S, ..), mults (P, ..), lr_mults (P, ..), eta (P,)) -> (a_rel, h_rel, train loss
    per point) (P, S) after ``steps`` full-batch GD steps on 1/2 sum (f - y)^2 (optax SGD)."""
    import jax
    import jax.numpy as jnp
    import optax

    from .. import parameterisations as P

    def train(p0, mults, lr_mults, eta):
        tx = P.optimizer(spec, "sgd", eta, lr_mults=lr_mults)

        def loss(p):
            return 0.5 * jnp.sum((P.apply(p, x, spec, mults)[:, 0] - y) ** 2)

        def step(c, _):
            p, s = c
            u, s = tx.update(jax.grad(loss)(p), s, p)
            return (optax.apply_updates(p, u), s), None

        pT = jax.lax.scan(step, (p0, tx.init(p0)), None, length=steps)[0][0]
        h0 = jax.nn.relu(P.forward(p0, x, spec, mults)[2][0])
        hT = jax.nn.relu(P.forward(pT, x, spec, mults)[2][0])
        a0, aT = p0[0]["W"], pT[0]["W"]
        return (
            jnp.sqrt(jnp.sum((aT - a0) ** 2) / jnp.sum(a0**2)),
            jnp.sqrt(jnp.sum((hT - h0) ** 2) / jnp.sum(h0**2)),
            loss(pT) / x.shape[0],
        )

    over_seeds = jax.vmap(train, in_axes=(0, None, None, None))
    return jax.jit(jax.vmap(over_seeds))


def _coord_program(spec, optimizer_name: str, lr: float, x, lab, steps: int):
    """Jitted (p0 (P, S, ..), mults, lr_mults) -> mean abs of every pre-activation and the output,
    (P, S, steps, L)."""
    import jax
    import jax.numpy as jnp
    import optax

    from .. import parameterisations as P

    def run(p0, mults, lr_mults):
        tx = P.optimizer(spec, optimizer_name, lr, lr_mults=lr_mults)

        def body(c, _):
            p, s = c
            zs = P.forward(p, x, spec, mults)[2]
            stats = jnp.stack([jnp.mean(jnp.abs(z)) for z in zs])
            g = jax.grad(lambda q: xent(P.apply(q, x, spec, mults), lab))(p)
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), stats

        return jax.lax.scan(body, (p0, tx.init(p0)), None, length=steps)[1]

    return jax.jit(jax.vmap(jax.vmap(run, in_axes=(0, None, None))))


def _lr_program(spec, optimizer_name: str, x, lab, steps: int):
    """Jitted (p0 (P, S, ..), mults, lr_mults, minibatch indices (S, T, B), lrs (L,)) -> the training
    loss averaged over the last quarter of the steps (P, L, S): the minibatch cross-entropy of each of
    the last ceil(T / 4) steps (before its update), each capped at ln 10 (a non-finite one counts as
    ln 10), then averaged."""
    import jax
    import jax.numpy as jnp
    import optax

    from .. import parameterisations as P

    tail = last_quarter(steps)

    def run(p0, mults, lr_mults, ix, lr):
        tx = P.optimizer(spec, optimizer_name, lr, lr_mults=lr_mults)  # traced lr: one program per grid

        def step(c, b):
            p, s = c
            val, g = jax.value_and_grad(lambda q: xent(P.apply(q, x[b], spec, mults), lab[b]))(p)
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), val

        vals = jax.lax.scan(step, (p0, tx.init(p0)), ix)[1][-tail:]
        return jnp.mean(jnp.minimum(jnp.where(jnp.isfinite(vals), vals, CHANCE_LOSS), CHANCE_LOSS))

    over_seeds = jax.vmap(run, in_axes=(0, None, None, 0, None))
    over_lrs = jax.vmap(over_seeds, in_axes=(None, None, None, None, 0))
    return jax.jit(jax.vmap(over_lrs, in_axes=(0, 0, 0, None, None)))


def last_quarter(steps: int) -> int:
    """The number of final steps whose losses are averaged: ceil(steps / 4)."""
    return max(1, -(-int(steps) // 4))


# ---------------------------------------------------------------------------------------------
# coordinate check


def coord_check(
    params: list[str],
    optimizers: list[str],
    widths,
    depth: int,
    n_seeds: int,
    batch: int,
    steps: int,
    lrs: dict,
    readout_zero: bool,
    seed: int,
) -> dict:
    """mean abs of every pre-activation (layers 1..depth) and of the output at steps 1..steps:
    array (P, O, W, S, steps, depth + 1). One compiled program per (optimizer, width)."""
    import jax.numpy as jnp

    from .. import parameterisations as P

    xs, labels = load_digits()
    x, lab = jnp.asarray(xs[:batch]), jnp.asarray(labels[:batch])
    widths = sorted(int(w) for w in widths)
    res = np.full((len(params), len(optimizers), len(widths), n_seeds, steps, depth + 1), np.nan)
    zero = ("mup",) if readout_zero else ()
    for k, m in enumerate(widths):
        specs = [mlp_spec(p, m, depth, x.shape[1], 10, widths[0]) for p in params]
        unit = P.normal_draws(experiment_rng(seed, "coord", m), specs[0], n_seeds)
        for j, opt in enumerate(optimizers):
            p0, mults, lr_mults = param_batch(specs, unit, opt, zero)
            program = _coord_program(specs[0], opt, float(lrs[opt]), x, lab, steps)
            res[:, j, k] = np.asarray(call(program, p0, mults, lr_mults, light=True))
    return {
        "mean_abs": res,
        "widths": np.asarray(widths),
        "params": np.asarray(params),
        "optimizers": np.asarray(optimizers),
    }


# ---------------------------------------------------------------------------------------------
# learning-rate transfer


def lr_transfer(
    params: list[str],
    widths,
    depth: int,
    log2_lrs,
    n_seeds: int,
    steps: int,
    batch: int,
    optimizer_name: str,
    seed: int,
    logger=None,
    salt: int = 0,
    base_width: int | None = None,
) -> dict:
    """Training loss averaged over the last quarter of ``steps`` minibatch steps (``_lr_program``):
    (P, W, L, S). One compiled program per width (parameterisations, learning rates and seeds
    vmapped). ``salt`` separates the draws of several sweeps (0: the checked one); ``base_width``:
    muP's base width (None: the smallest width)."""
    import jax.numpy as jnp

    from .. import parameterisations as P

    xs, labels = load_digits()
    x, lab = jnp.asarray(xs), jnp.asarray(labels)
    widths = sorted(int(w) for w in widths)
    base = widths[0] if base_width is None else int(base_width)
    lrs = jnp.asarray(2.0 ** np.asarray(log2_lrs, float), jnp.float32)
    res = np.full((len(params), len(widths), len(lrs), n_seeds), np.nan)
    for j, m in enumerate(widths):
        t0 = time.perf_counter()
        specs = [mlp_spec(p, m, depth, x.shape[1], 10, base) for p in params]
        rng = experiment_rng(seed, "lr", m, *((salt,) if salt else ()))
        p0, mults, lr_mults = param_batch(specs, P.normal_draws(rng, specs[0], n_seeds), optimizer_name)
        idx = jnp.asarray(rng.integers(0, x.shape[0], (n_seeds, steps, batch)))  # (S, T, B) minibatches
        program = _lr_program(specs[0], optimizer_name, x, lab, steps)
        res[:, j] = np.asarray(call(program, p0, mults, lr_mults, idx, lrs, light=m <= LIGHT_WIDTH // 8))
        if logger is not None:
            for i, p in enumerate(params):
                best = int(np.argmin(res[i, j].mean(1)))
                logger.info(
                    f"lr transfer ({optimizer_name}) {p} m={m}: best log2 lr {log2_lrs[best]}, "
                    f"loss {res[i, j].mean(1).round(4).tolist()}"
                )
            logger.info(f"width {m}: {time.perf_counter() - t0:.1f} s")
    return {
        "train_loss": res,
        "widths": np.asarray(widths),
        "params": np.asarray(params),
        "log2_lrs": np.asarray(log2_lrs, float),
        "optimizer": np.asarray(optimizer_name),
        "base_width": np.int64(base),
        "steps_averaged": np.int64(last_quarter(steps)),
    }
