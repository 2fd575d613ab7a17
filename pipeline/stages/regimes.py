"""Stage regimes: lazy vs rich training, and the NTK / standard / muP parameterisations.

Jobs (workflow/rules/regimes.smk), each one process with its seeds (and sweep values) vmapped:

- ``regimes_alpha`` -> ``alpha_sweep``: the output scale alpha (Chizat, Oyallon & Bach 2019) on the
  two-layer ReLU net (``models.two_layer_relu``, NTK parameterisation, width ``alpha.width``) and
  the circle task: the centred model f_alpha = alpha (f(w) - f(w0)) trained by full-batch GD on
  L(f_alpha) / alpha^2 (L = 1/2 sum_i (f_alpha(x_i) - y_i)^2, step eta = lr / lambda_max(K0) per
  seed, the same for every alpha: the lazy-limit time scale does not depend on alpha). The state
  is the displacement w - w0 (float32 keeps O(1 / alpha) displacements exact). Per (alpha, seed):
  w_rel = ||w_T - w0|| / ||w0||, k_rel = ||K_T - K0||_F / ||K0||_F (empirical NTK of f on x_train),
  lin_gap = ||f_T - f_T^lin|| / ||f_T|| on x_test (f^lin: the linearised model, kernel GD with K0),
  pattern_frac = fraction of hidden units whose ReLU pattern on x_train changed, train_loss,
  test_loss = 1/(2 N) sum (f_alpha - y)^2 (per point).
- ``regimes_width`` -> ``width_sweep``: the one-hidden-layer net on the circle task under each of
  ``width.parameterizations`` (``pipeline.parameterisations``; muP's base width = the smallest
  width) at every width, full-batch GD through optax with the per-layer learning rates, base step
  eta = lr / lambda_max of the effective kernel at the smallest width (standard: times
  smallest / width when ``standard_lr`` is inverse_width). Per (param, width, seed): a_rel =
  ||A_T - A_0||_F / ||A_0||_F (first-layer weights), h_rel = ||h_T - h_0||_F / ||h_0||_F (hidden
  features h = relu(z_1) on x_train), train_loss (per point), diverged.
- ``regimes_coord`` -> ``coord_check``: microsoft/mup's coordinate check (mup/coord_check.py): a
  ``coord.depth``-hidden-layer MLP on one fixed batch of scikit-learn's 8x8 digits, reused every
  step, cross-entropy loss; mean abs(z) of every layer's pre-activation and of the output at steps
  1 .. ``coord.steps`` (step 1 before any update), per (param, optimizer, width, seed). muP's
  read-out is zero-initialised (``coord.mup_readout_zero``).
- ``regimes_lr`` -> ``lr_transfer``: Tensor Programs V's learning-rate transfer: training loss
  (mean cross-entropy on all 1797 digits) after ``lr_transfer.steps`` minibatch steps vs base
  learning rate 2^k, per (param, width, lr, seed); the lrs are vmapped.
- ``regimes_teacher`` -> ``teacher_student``: Chizat et al.'s shallow experiment
  (shallow-nn/test_vs_scale.jl): teacher sum_j s_j relu(theta_j . x) (3 unit-norm neurons, signs
  +-1), x uniform on S^(d-1); student sum_i b_i relu(a_i . x), 50 bias-free units with a
  symmetrised init (units m/2+1..m copy a of 1..m/2 with b of opposite sign: f(w0) = 0), both
  layers N(0, 1) times tau; loss 1/2 mean, GD step min(max_step, step_coef / tau^2). Per (tau,
  trial): test loss (final and the minimum over the evaluations every ``eval_every`` steps),
  train loss.
- ``regimes_summary`` -> ``summarize``: tables, theory checks and figures.

Tables (results/tables/): regimes_alpha.csv (alpha, seed, the quantities above), regimes_width.csv
(parameterization, width, seed, a_rel, h_rel, train_loss, diverged, eta), regimes_coord.csv
(parameterization, optimizer, width, seed, step, layer, mean_abs), regimes_lr.csv
(parameterization, width, log2_lr, seed, train_loss), regimes_teacher.csv (tau, trial,
test_loss_final, test_loss_best, train_loss_final), regimes_exponents.csv (every fitted slope: the
experiment, what, exponent, CI, n). Checks: results/checks/regimes.csv (alpha_lazy_exponent,
mup_feature_exponent, ntk_feature_exponent, mup_coord_check, mup_lr_transfer, rich_beats_lazy).

Randomness: each experiment draws from fold_in(fold_in(PRNGKey(seed), STAGE_SALT), experiment id)
(then width / trial), so the same config gives identical numbers.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import io, provenance
from ..checks import Check, log_check, write_checks
from ..fits import combine_verdicts, fit_exponent, mean_ci, verdict_from_ci
from ..progress import get_logger

STAGE = "regimes"
STAGE_SALT = 13
EXPERIMENT_IDS = {"alpha": 1, "width": 2, "coord": 3, "lr": 4, "teacher": 5}
ALPHA_EXPONENT, ALPHA_TOL = -1.0, 0.15
MUP_FEATURE_EXPONENT, MUP_FEATURE_TOL = 0.0, 0.1
NTK_FEATURE_EXPONENT, NTK_FEATURE_TOL = -0.5, 0.15
COORD_TOL = 0.15
LR_SHIFT_MAX = 1
LIGHT_WIDTH = 1024  # programs of nets up to this width are compiled for compile speed (see _call)


def _rng(seed: int, experiment: str, *more: int) -> np.random.Generator:
    """numpy Generator of one experiment (and width / trial): initial draws without JAX's PRNG, whose
    threefry programs cost seconds of compile per new shape on a CPU."""
    return np.random.default_rng([int(seed), STAGE_SALT, EXPERIMENT_IDS[experiment], *(int(m) for m in more)])


def _init(spec, rng, n_seeds: int, readout_zero: bool = False):
    """Stacked inits (S, ...) of ``spec`` per ``parameterisations`` from numpy draws (jax arrays)."""
    import jax
    import jax.numpy as jnp

    from .. import parameterisations as P

    unit = P.normal_draws(rng, spec, n_seeds)
    return jax.tree.map(jnp.asarray, P.scale_init(spec, unit, readout_zero))


def load_circle(path) -> dict:
    d = io.load_npz(path, required=("x_train", "y_train", "x_test", "y_test"))
    return {
        k: np.asarray(d[k], np.float32).reshape(d[k].shape[0], -1)
        if k.startswith("x")
        else np.asarray(d[k], np.float32).reshape(-1)
        for k in ("x_train", "y_train", "x_test", "y_test")
    }


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 images, no download): x (1797, 64) in [0, 1], labels."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int32)


def alpha_values(section: dict) -> np.ndarray:
    return np.logspace(section["log10_min"], section["log10_max"], section["n"])


# ---------------------------------------------------------------------------------------------
# alpha sweep (lazy vs rich on the circle)


def alpha_sweep(
    data: dict, width: int, alphas, n_seeds: int, steps: int, lr: float, seed: int, rich_alpha: float = 0.1
) -> dict:
    """Train the alpha-centred two-layer ReLU net for every (alpha, seed); returns arrays (A, S).

    Step eta = lr / lambda_max(K0) * min(1, alpha / rich_alpha): below ``rich_alpha`` the weights
    must grow until alpha (f(w) - f(w0)) ~ y, the kernel of the 2-homogeneous net grows like 1 / alpha
    and everything happens 1 / alpha times faster, so the step shrinks like alpha (as Chizat et al.'s
    step min(10, 0.1 / tau^2) in the shallow experiment)."""
    import jax
    import jax.numpy as jnp

    from .. import linearized, parameterisations, training
    from ..models import two_layer_relu

    x, y = jnp.asarray(data["x_train"]), jnp.asarray(data["y_train"])
    xt, yt = jnp.asarray(data["x_test"]), jnp.asarray(data["y_test"])
    spec = two_layer_relu(int(width), x.shape[1])
    fns = training.fast_one_hidden_relu(spec)
    params0 = _init(spec, _rng(seed, "alpha"), n_seeds)
    kern = jax.vmap(lambda p, a, b: fns.kernel_parts(p, a, b).sum(0), in_axes=(0, None, None))
    K0, K0_test = kern(params0, x, x), kern(params0, xt, x)
    eta = (lr / jnp.linalg.eigvalsh(K0)[:, -1]).astype(x.dtype)
    out = jax.vmap(fns.output, in_axes=(0, None))
    f0, f0_test = out(params0, x), out(params0, xt)
    alphas = jnp.asarray(alphas, x.dtype)
    c1 = spec.w_stds[0] / math.sqrt(spec.d_in)

    def lin_model():
        def step(c, _):
            return linearized.kernel_gd_step(c[0], c[1], y, K0, K0_test, eta), None

        zeros = (jnp.zeros_like(f0), jnp.zeros_like(f0_test))
        return jax.lax.scan(step, zeros, None, length=steps)[0]

    def one(p0, f0_s, f0t_s, k0, eta_s, alpha):
        eta_s = eta_s * jnp.minimum(1.0, alpha / rich_alpha)
        target = parameterisations.centred_target(f0_s, y, alpha)

        def step(delta, _):
            p = jax.tree.map(jnp.add, p0, delta)
            g = fns.loss_grad(p, x, target)[2]
            return jax.tree.map(lambda d, gg: d - eta_s * gg, delta, g), None

        delta0 = jax.tree.map(jnp.zeros_like, p0)
        delta = jax.lax.scan(step, delta0, None, length=steps)[0]
        pT = jax.tree.map(jnp.add, p0, delta)
        f_tr = alpha * (fns.output(pT, x) - f0_s)
        f_te = alpha * (fns.output(pT, xt) - f0t_s)
        num = sum(jnp.sum(d**2) for d in jax.tree.leaves(delta))
        den = sum(jnp.sum(a**2) for a in jax.tree.leaves(p0))
        kT = fns.kernel_parts(pT, x).sum(0)
        k_rel = jnp.sqrt(jnp.sum((kT - k0) ** 2) / jnp.sum(k0**2))
        z0, zT = c1 * (x @ p0[0]["W"]), c1 * (x @ pT[0]["W"])
        flipped = jnp.any((z0 > 0) != (zT > 0), axis=0)
        return {
            "w_rel": jnp.sqrt(num / den),
            "w_rel_first": jnp.sqrt(jnp.sum(delta[0]["W"] ** 2) / jnp.sum(p0[0]["W"] ** 2)),
            "k_rel": k_rel,
            "pattern_frac": jnp.mean(flipped.astype(x.dtype)),
            "train_loss": 0.5 * jnp.mean((f_tr - y) ** 2),
            "test_loss": 0.5 * jnp.mean((f_te - yt) ** 2),
            "f_test": f_te,
        }

    per_seed = jax.vmap(one, in_axes=(0, 0, 0, 0, 0, None))
    over_alphas = jax.vmap(per_seed, in_axes=(None, None, None, None, None, 0))
    run = jax.jit(lambda: (over_alphas(params0, f0, f0_test, K0, eta, alphas), lin_model()))
    res, (lin_tr, lin_te) = _call(run, light=width <= LIGHT_WIDTH // 4)
    res = {k: np.asarray(v) for k, v in res.items()}
    f_te = res.pop("f_test")  # (A, S, M)
    lin_te = np.asarray(lin_te)[None]
    res["lin_gap"] = np.linalg.norm(f_te - lin_te, axis=-1) / np.linalg.norm(f_te, axis=-1)
    res["lin_test_loss"] = 0.5 * np.mean((np.asarray(lin_te[0]) - np.asarray(yt)[None]) ** 2, -1)  # (S,)
    res.update(alphas=np.asarray(alphas, np.float64), eta=np.asarray(eta), width=np.int64(width))
    return res


# ---------------------------------------------------------------------------------------------
# width sweep per parameterisation


def width_spec(param: str, width: int, d_in: int, base_width: int):
    from ..models import MLPSpec

    return MLPSpec(
        depth=1,
        width=int(width),
        d_in=d_in,
        w_std=1.0,
        w_std_first=math.sqrt(d_in),
        b_std=None,
        parameterization=param,
        base_width=int(base_width) if param == "mup" else None,
    )


def _stack(trees: list):
    """Stack pytrees (numpy / jax leaves or floats) on a new leading axis: (P, ...)."""
    import jax
    import jax.numpy as jnp

    return jax.tree.map(lambda *leaves: jnp.stack([jnp.asarray(v, jnp.float32) for v in leaves]), *trees)


def _call(program, *args, light: bool = False):
    """Compile ``program`` (a jitted function) for ``args`` and run it. ``light``: a program whose
    compile time dwarfs its run time (a few steps, small widths) is compiled with XLA's backend
    optimisation level 0 (about 2.5x faster to compile on a CPU; the same operations)."""
    lowered = program.lower(*args)
    compiled = lowered.compile({"xla_backend_optimization_level": 0}) if light else lowered.compile()
    return compiled(*args)


def _param_batch(specs: list, unit: list[dict], optimizer_name: str, readout_zero=()):
    """One compiled program serves several parameterisations of the same shapes: their inits from
    the same standard-normal draws ``unit`` (S, ...), forward multipliers and lr multipliers, stacked
    on a leading parameterisation axis P. ``readout_zero``: the parameterisations to zero-init."""
    from .. import parameterisations as P

    p0 = _stack([P.scale_init(sp, unit, sp.parameterization in readout_zero) for sp in specs])
    mults = _stack([P.multipliers(sp) for sp in specs])
    lr_mults = _stack([P.lr_multipliers(sp, optimizer_name) for sp in specs])
    return p0, mults, lr_mults


def base_etas(
    params: list[str], data: dict, base_width: int, lr: float, seed: int, n_seeds: int
) -> np.ndarray:
    """lr / lambda_max of the effective kernel (sum over leaves of lr multiplier x J J^T) at the base
    width, averaged over the seeds' inits, per parameterisation (P,)."""
    import jax
    import jax.numpy as jnp

    from .. import parameterisations as P

    x = jnp.asarray(data["x_train"])
    specs = [width_spec(p, base_width, x.shape[1], base_width) for p in params]
    p0, mults, lr_mults = _param_batch(
        specs, P.normal_draws(_rng(seed, "width", base_width), specs[0], n_seeds), "sgd"
    )

    def kern(p, m, lm):
        return P.effective_ntk(specs[0], p, x, mults=m, lr_mults=lm)

    per_param = jax.vmap(jax.vmap(kern, in_axes=(0, None, None)))
    lam = np.linalg.eigvalsh(np.asarray(jax.jit(per_param)(p0, mults, lr_mults), np.float64))[..., -1]
    return lr / lam.mean(1)


def width_sweep(
    data: dict,
    params: list[str],
    widths,
    n_seeds: int,
    steps: int,
    lr: float,
    standard_lr: str,
    seed: int,
    logger=None,
) -> dict:
    """Full-batch GD of the one-hidden-layer net per (parameterisation, width); arrays (P, W, S).
    All parameterisations of one width run in one compiled program (vmapped over them and the seeds)."""
    import jax.numpy as jnp

    from .. import parameterisations as P

    x, y = jnp.asarray(data["x_train"]), jnp.asarray(data["y_train"])
    widths = sorted(int(w) for w in widths)
    base = widths[0]
    out = {k: np.full((len(params), len(widths), n_seeds), np.nan) for k in ("a_rel", "h_rel", "train_loss")}
    out["diverged"] = np.zeros((len(params), len(widths), n_seeds), bool)
    etas = np.zeros((len(params), len(widths)))
    eta0 = base_etas(params, data, base, lr, seed, n_seeds)
    for j, m in enumerate(widths):
        t0 = time.perf_counter()
        specs = [width_spec(p, m, x.shape[1], base) for p in params]
        scale = [base / m if (p == "standard" and standard_lr == "inverse_width") else 1.0 for p in params]
        etas[:, j] = eta0 * np.asarray(scale)
        # the same draws for every parameterisation
        p0, mults, lr_mults = _param_batch(
            specs, P.normal_draws(_rng(seed, "width", m), specs[0], n_seeds), "sgd"
        )
        res = _call(
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
    out.update(widths=np.asarray(widths), params=np.asarray(params), eta=etas)
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
            g = jax.grad(lambda q: _xent(P.apply(q, x, spec, mults), lab))(p)
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), stats

        return jax.lax.scan(body, (p0, tx.init(p0)), None, length=steps)[1]

    return jax.jit(jax.vmap(jax.vmap(run, in_axes=(0, None, None))))


def _lr_program(spec, optimizer_name: str, x, lab, x_ev, lab_ev):
    """Jitted (p0 (P, S, ..), mults, lr_mults, minibatch indices (S, T, B), lrs (L,)) -> final loss
    (P, L, S)."""
    import jax
    import optax

    from .. import parameterisations as P

    def run(p0, mults, lr_mults, ix, lr):
        tx = P.optimizer(spec, optimizer_name, lr, lr_mults=lr_mults)  # traced lr: one program per grid

        def step(c, b):
            p, s = c
            g = jax.grad(lambda q: _xent(P.apply(q, x[b], spec, mults), lab[b]))(p)
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), None

        pT = jax.lax.scan(step, (p0, tx.init(p0)), ix)[0][0]
        return _xent(P.apply(pT, x_ev, spec, mults), lab_ev)

    over_seeds = jax.vmap(run, in_axes=(0, None, None, 0, None))
    over_lrs = jax.vmap(over_seeds, in_axes=(None, None, None, None, 0))
    return jax.jit(jax.vmap(over_lrs, in_axes=(0, 0, 0, None, None)))


# ---------------------------------------------------------------------------------------------
# coordinate check


def _mlp_spec(param: str, width: int, depth: int, d_in: int, d_out: int, base_width: int):
    from ..models import MLPSpec

    return MLPSpec(
        depth=int(depth),
        width=int(width),
        d_in=d_in,
        d_out=d_out,
        w_std=1.0,
        b_std=None,
        parameterization=param,
        base_width=int(base_width) if param == "mup" else None,
    )


def _xent(logits, labels):
    import jax
    import jax.numpy as jnp

    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], 1))


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
        specs = [_mlp_spec(p, m, depth, x.shape[1], 10, widths[0]) for p in params]
        unit = P.normal_draws(_rng(seed, "coord", m), specs[0], n_seeds)
        for j, opt in enumerate(optimizers):
            p0, mults, lr_mults = _param_batch(specs, unit, opt, zero)
            program = _coord_program(specs[0], opt, float(lrs[opt]), x, lab, steps)
            res[:, j, k] = np.asarray(_call(program, p0, mults, lr_mults, light=True))
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
    eval_points: int | None = None,
    logger=None,
) -> dict:
    """Training loss (mean cross-entropy on the training images, or on a fixed random subset of
    ``eval_points`` of them) after ``steps`` minibatch steps: (P, W, L, S). One compiled program
    per width (parameterisations, learning rates and seeds vmapped)."""
    import jax.numpy as jnp

    from .. import parameterisations as P

    xs, labels = load_digits()
    x, lab = jnp.asarray(xs), jnp.asarray(labels)
    sub = np.sort(_rng(seed, "lr").permutation(len(xs))[:eval_points]) if eval_points else np.arange(len(xs))
    x_ev, lab_ev = x[sub], lab[sub]
    widths = sorted(int(w) for w in widths)
    lrs = jnp.asarray(2.0 ** np.asarray(log2_lrs, float), jnp.float32)
    res = np.full((len(params), len(widths), len(lrs), n_seeds), np.nan)
    for j, m in enumerate(widths):
        t0 = time.perf_counter()
        specs = [_mlp_spec(p, m, depth, x.shape[1], 10, widths[0]) for p in params]
        rng = _rng(seed, "lr", m)
        p0, mults, lr_mults = _param_batch(specs, P.normal_draws(rng, specs[0], n_seeds), optimizer_name)
        idx = jnp.asarray(rng.integers(0, x.shape[0], (n_seeds, steps, batch)))  # (S, T, B) minibatches
        program = _lr_program(specs[0], optimizer_name, x, lab, x_ev, lab_ev)
        res[:, j] = np.asarray(_call(program, p0, mults, lr_mults, idx, lrs, light=m <= LIGHT_WIDTH // 8))
        if logger is not None:
            for i, p in enumerate(params):
                best = np.argmin(np.where(np.isfinite(res[i, j]), res[i, j], np.inf).mean(1))
                logger.info(
                    f"lr transfer {p} m={m}: best log2 lr {log2_lrs[best]}, "
                    f"loss {np.nanmean(res[i, j], 1).round(4).tolist()}"
                )
            logger.info(f"width {m}: {time.perf_counter() - t0:.1f} s")
    return {
        "train_loss": res,
        "widths": np.asarray(widths),
        "params": np.asarray(params),
        "log2_lrs": np.asarray(log2_lrs, float),
    }


# ---------------------------------------------------------------------------------------------
# teacher-student (Chizat et al.'s shallow experiment)


def teacher_student(
    dim: int,
    n_train: int,
    n_test: int,
    teacher_units: int,
    student_units: int,
    log10_taus,
    trials: int,
    steps: int,
    eval_every: int,
    max_step: float,
    step_coef: float,
    seed: int,
) -> dict:
    """Test loss (final, best) and final train loss per (tau, trial): arrays (T, R)."""
    import jax
    import jax.numpy as jnp

    taus = 10.0 ** np.asarray(log10_taus, float)
    half = student_units // 2

    def sphere(rng, n):
        z = rng.standard_normal((n, dim))
        return (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)

    data = {k: [] for k in ("xtr", "ytr", "xte", "yte", "a", "b")}
    for r in range(trials):  # as test_vs_scale.jl: new teacher, data and init direction per trial
        rng = _rng(seed, "teacher", r)
        th = sphere(rng, teacher_units)
        s = np.sign(rng.standard_normal(teacher_units)).astype(np.float32)
        xtr, xte = sphere(rng, n_train), sphere(rng, n_test)
        a = rng.standard_normal((half, dim)).astype(np.float32)
        b = np.abs(rng.standard_normal(half)).astype(np.float32)
        for k, v in (
            ("xtr", xtr),
            ("ytr", np.maximum(xtr @ th.T, 0) @ s),
            ("xte", xte),
            ("yte", np.maximum(xte @ th.T, 0) @ s),
            ("a", np.concatenate([a, a])),
            ("b", np.concatenate([b, -b])),
        ):  # symmetrised: f(w0) = 0
            data[k].append(v)
    data = {k: jnp.asarray(np.stack(v)) for k, v in data.items()}

    def f(w, xx):
        return jax.nn.relu(xx @ w[0].T) @ w[1]

    def loss(w, xx, yy):
        return 0.5 * jnp.mean((f(w, xx) - yy) ** 2)

    n_eval = steps // eval_every

    def run(d, tau):
        xtr, ytr, xte, yte = d["xtr"], d["ytr"], d["xte"], d["yte"]
        w = (tau * d["a"], tau * d["b"])
        step_size = jnp.minimum(max_step, step_coef / tau**2)

        def block(w, _):
            def step(w, _):
                return jax.tree.map(lambda a, g: a - step_size * g, w, jax.grad(loss)(w, xtr, ytr)), None

            w = jax.lax.scan(step, w, None, length=eval_every)[0]
            return w, loss(w, xte, yte)

        test0 = loss(w, xte, yte)
        w, tests = jax.lax.scan(block, w, None, length=n_eval)
        tests = jnp.concatenate([test0[None], tests])
        return tests[-1], jnp.nanmin(tests), loss(w, xtr, ytr)

    per_trial = jax.vmap(run, in_axes=(0, None))
    final, best, train = jax.jit(jax.vmap(lambda t: per_trial(data, t)))(jnp.asarray(taus, jnp.float32))
    return {
        "taus": taus,
        "test_loss_final": np.asarray(final),
        "test_loss_best": np.asarray(best),
        "train_loss_final": np.asarray(train),
        "steps": np.int64(n_eval * eval_every),
    }


# ---------------------------------------------------------------------------------------------
# theory checks (pure functions of the measurements: the tests call them on synthetic numbers)


def check_alpha_lazy(alphas, w_rel: np.ndarray, lazy_fraction: float, ci: float) -> tuple[Check, dict]:
    """w_rel (A, S): slope of log w_rel vs log alpha over the largest ``lazy_fraction`` of the alphas."""
    alphas = np.asarray(alphas, float)
    n_lazy = max(2, int(round(lazy_fraction * len(alphas))))
    order = np.argsort(alphas)[-n_lazy:]
    fit = {**fit_exponent(alphas[order], np.asarray(w_rel)[order].T, ci), "n_lazy": n_lazy}
    lo, hi = ALPHA_EXPONENT - ALPHA_TOL, ALPHA_EXPONENT + ALPHA_TOL
    return Check(
        check="alpha_lazy_exponent",
        stage=STAGE,
        prediction="lazy regime: the distance travelled ||w_T - w_0|| / ||w_0|| scales like 1 / alpha",
        measured=fit["exponent"],
        ci_low=fit["ci_low"],
        ci_high=fit["ci_high"],
        interval=f"{ci:.0%} t-interval over {fit['n_seeds']} seeds of the per-seed log-log slope of "
        f"||w_T - w_0|| / ||w_0|| vs alpha (the largest {n_lazy} alphas)",
        tolerance=f"{ci:.0%} CI of the slope within [{lo:g}, {hi:g}]",
        verdict=verdict_from_ci(fit["ci_low"], fit["ci_high"], lo, hi),
        figure="regimes/alpha_sweep.png",
        detail=f"Chizat, Oyallon & Bach 2019 (distance O(1/alpha)); log-log slope over alpha "
        f"{alphas[order].min():.3g}..{alphas[order].max():.3g} ({n_lazy} of {len(alphas)} values), "
        f"{fit['n_seeds']} seeds",
    ), fit


def check_feature_exponent(
    name: str, param: str, widths, h_rel: np.ndarray, target: float, tol: float, ci: float, other: str = ""
) -> tuple[Check, dict]:
    """h_rel (W, S): slope of the relative feature change vs width."""
    fit = fit_exponent(widths, np.asarray(h_rel).T, ci)
    lo, hi = target - tol, target + tol
    why = {
        "mup": "muP learns features: hidden features move by O(1) at any width",
        "ntk": "NTK parameterisation is lazy: hidden features move by O(m^-1/2)",
    }[param]
    return Check(
        check=name,
        stage=STAGE,
        prediction=why,
        measured=fit["exponent"],
        ci_low=fit["ci_low"],
        ci_high=fit["ci_high"],
        interval=f"{ci:.0%} t-interval over {fit['n_seeds']} seeds of the per-seed log-log slope of "
        "||h_T - h_0||_F / ||h_0||_F vs width",
        tolerance=f"{ci:.0%} CI of the slope within [{lo:g}, {hi:g}]",
        verdict=verdict_from_ci(fit["ci_low"], fit["ci_high"], lo, hi),
        figure="regimes/width_sweep.png",
        detail=f"Yang & Hu 2021 (Tensor Programs IV) / Jacot et al. 2018; ||h_T - h_0||_F / ||h_0||_F of "
        f"h = relu(A x) on x_train vs width {min(widths)}..{max(widths)}, {fit['n_seeds']} seeds{other}",
    ), fit


def coord_slopes(widths, mean_abs: np.ndarray, ci: float) -> list[dict]:
    """Slopes of every curve at the last step: mean_abs (O, W, S, steps, layers) -> one dict per
    (optimizer index, layer) with exponent and CI (NaN where a curve is identically 0)."""
    rows = []
    for o in range(mean_abs.shape[0]):
        for layer in range(mean_abs.shape[-1]):
            fit = fit_exponent(widths, mean_abs[o, :, :, -1, layer].T, ci)
            rows.append(
                {
                    "opt": o,
                    "layer": layer,
                    **{k: fit[k] for k in ("exponent", "ci_low", "ci_high", "n_seeds")},
                }
            )
    return rows


def check_coord(widths, mup: np.ndarray, standard: np.ndarray | None, optimizers, ci: float) -> Check:
    """mup / standard: mean_abs (O, W, S, steps, layers). Pass when every muP curve's step-final slope
    has its CI within +-COORD_TOL; fail when one lies wholly outside."""
    rows = coord_slopes(widths, mup, ci)
    verdicts = [verdict_from_ci(r["ci_low"], r["ci_high"], -COORD_TOL, COORD_TOL) for r in rows]
    verdict = combine_verdicts(verdicts)
    worst = max(rows, key=lambda r: abs(r["exponent"]) if np.isfinite(r["exponent"]) else np.inf)
    n_layers = mup.shape[-1]
    name = lambda layer: "output" if layer == n_layers - 1 else f"z{layer + 1}"  # noqa: E731
    parts = [
        f"{optimizers[r['opt']]} {name(r['layer'])} {r['exponent']:.3f} "
        f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
        for r in rows
    ]
    sp = ""
    if standard is not None:
        sp_rows = coord_slopes(widths, standard, ci)
        steep = max(sp_rows, key=lambda r: r["exponent"] if np.isfinite(r["exponent"]) else -np.inf)
        sp = (
            f"; standard parameterisation's steepest slope (not a pass condition): {steep['exponent']:.3f} "
            f"({optimizers[steep['opt']]} {name(steep['layer'])})"
        )
    return Check(
        check="mup_coord_check",
        stage=STAGE,
        prediction="under muP every pre-activation and the output keep an O(1) mean abs value at any width "
        "after training steps (flat coordinate-check curves)",
        measured=worst["exponent"],
        ci_low=worst["ci_low"],
        ci_high=worst["ci_high"],
        interval=f"{ci:.0%} t-interval over {worst['n_seeds']} seeds of the per-seed log-log slope of mean "
        "abs vs width at the last step, for the muP curve with the largest abs(slope)",
        tolerance=f"every curve's {ci:.0%} CI of the slope of log mean abs vs log width at the last "
        "step within "
        f"[{-COORD_TOL:g}, {COORD_TOL:g}]",
        verdict=verdict,
        figure="regimes/coord_check.png",
        detail=f"Yang et al. 2022 (Tensor Programs V), microsoft/mup coord_check; "
        f"widths {min(widths)}..{max(widths)}; "
        f"muP slopes: " + "; ".join(parts) + sp,
    )


def best_lr_index(loss: np.ndarray) -> np.ndarray:
    """loss (W, L, S) -> index of the lr with the lowest mean loss over seeds, per width (NaN = inf)."""
    mean = np.where(np.isfinite(loss), loss, np.inf).mean(-1)
    return np.argmin(mean, axis=1)


def check_lr_transfer(widths, log2_lrs, mup: np.ndarray, standard: np.ndarray | None) -> Check:
    """mup / standard: training loss (W, L, S). Pass when the muP optimum moves by <= LR_SHIFT_MAX
    grid steps."""
    best = best_lr_index(mup)
    shift = int(best.max() - best.min())
    mean = np.where(np.isfinite(mup), mup, np.inf).mean(-1)
    at_best = mean[np.arange(len(widths)), best]
    wider = bool(np.all(np.diff(at_best) <= 0))
    sp = ""
    if standard is not None:
        sbest = best_lr_index(standard)
        sp = (
            f"; standard parameterisation: best log2 lr {[float(log2_lrs[i]) for i in sbest]}, shift "
            f"{int(sbest.max() - sbest.min())} grid steps"
        )
    return Check(
        check="mup_lr_transfer",
        stage=STAGE,
        prediction="under muP the optimal learning rate does not depend on width (hyperparameter transfer)",
        measured=float(shift),
        tolerance=f"best lr moves by <= {LR_SHIFT_MAX} grid step across widths",
        passed=shift <= LR_SHIFT_MAX,
        figure="regimes/lr_transfer.png",
        detail=f"Yang et al. 2022 (Tensor Programs V, Fig. 1); muP best log2 lr per width "
        f"{[int(w) for w in widths]}: "
        f"{[float(log2_lrs[i]) for i in best]}{sp}; muP 'wider is better' (loss at the best lr "
        f"non-increasing in width): {wider} ({', '.join(f'{v:.4g}' for v in at_best)})",
    )


def check_rich_beats_lazy(taus, test_loss: np.ndarray, ci: float) -> Check:
    """test_loss (T, R): paired difference loss(smallest tau) - loss(largest tau) over trials."""
    taus = np.asarray(taus, float)
    lo_i, hi_i = int(np.argmin(taus)), int(np.argmax(taus))
    diff = np.asarray(test_loss)[lo_i] - np.asarray(test_loss)[hi_i]
    r = mean_ci(diff, ci)
    return Check(
        check="rich_beats_lazy",
        stage=STAGE,
        prediction="a small initialisation scale (rich / feature learning) generalises better than a "
        "large one (lazy) on a teacher with 3 neurons",
        measured=r["mean"],
        ci_low=r["ci_low"],
        ci_high=r["ci_high"],
        interval=f"{ci:.0%} paired t-interval over {r['n']} trials of the test-loss difference "
        "(smallest tau minus largest tau)",
        tolerance=f"{ci:.0%} paired CI of test loss(tau={taus[lo_i]:.3g}) - test loss(tau={taus[hi_i]:.3g}) "
        "below 0",
        verdict=verdict_from_ci(r["ci_low"], r["ci_high"], -math.inf, 0.0),
        figure="regimes/teacher_student.png",
        detail=f"Chizat, Oyallon & Bach 2019, shallow-nn/test_vs_scale.jl; final test loss, {r['n']} trials; "
        f"mean test loss {np.mean(test_loss[lo_i]):.4g} (small tau) vs {np.mean(test_loss[hi_i]):.4g} "
        "(large tau)",
    )


# ---------------------------------------------------------------------------------------------
# tables


def alpha_table(a: dict):
    import pandas as pd

    rows = []
    for i, alpha in enumerate(a["alphas"]):
        for s in range(a["w_rel"].shape[1]):
            rows.append(
                {"alpha": float(alpha), "seed": s, **{k: float(a[k][i, s]) for k in ALPHA_QUANTITIES}}
            )
    return pd.DataFrame(rows)


ALPHA_QUANTITIES = ("w_rel", "w_rel_first", "k_rel", "lin_gap", "pattern_frac", "train_loss", "test_loss")


def width_table(w: dict):
    import pandas as pd

    rows = []
    for i, p in enumerate(w["params"]):
        for j, m in enumerate(w["widths"]):
            for s in range(w["a_rel"].shape[2]):
                rows.append(
                    {
                        "parameterization": str(p),
                        "width": int(m),
                        "seed": s,
                        "eta": float(w["eta"][i, j]),
                        "a_rel": w["a_rel"][i, j, s],
                        "h_rel": w["h_rel"][i, j, s],
                        "train_loss": w["train_loss"][i, j, s],
                        "diverged": bool(w["diverged"][i, j, s]),
                    }
                )
    return pd.DataFrame(rows)


def coord_table(c: dict):
    import pandas as pd

    arr = c["mean_abs"]
    n_layers = arr.shape[-1]
    rows = []
    for idx in np.ndindex(arr.shape):
        i, j, k, s, t, layer = idx
        rows.append(
            {
                "parameterization": str(c["params"][i]),
                "optimizer": str(c["optimizers"][j]),
                "width": int(c["widths"][k]),
                "seed": s,
                "step": t + 1,
                "layer": "output" if layer == n_layers - 1 else f"z{layer + 1}",
                "mean_abs": float(arr[idx]),
            }
        )
    return pd.DataFrame(rows)


def lr_table(r: dict):
    import pandas as pd

    arr = r["train_loss"]
    rows = [
        {
            "parameterization": str(r["params"][i]),
            "width": int(r["widths"][j]),
            "log2_lr": float(r["log2_lrs"][k]),
            "seed": s,
            "train_loss": float(arr[i, j, k, s]),
        }
        for i, j, k, s in np.ndindex(arr.shape)
    ]
    return pd.DataFrame(rows)


def teacher_table(t: dict):
    import pandas as pd

    rows = [
        {
            "tau": float(t["taus"][i]),
            "trial": r,
            "test_loss_final": float(t["test_loss_final"][i, r]),
            "test_loss_best": float(t["test_loss_best"][i, r]),
            "train_loss_final": float(t["train_loss_final"][i, r]),
        }
        for i, r in np.ndindex(t["test_loss_final"].shape)
    ]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# rule entry points


def _save(out: str, arrays: dict, section: dict, rule: str, config, **extra) -> None:
    io.save_npz(out, arrays, meta=provenance.metadata(section, rule=rule, full_config=config, **extra))


def _timed(log_to, what: str, fn, *args, **kwargs):
    t0, c0 = time.perf_counter(), time.process_time()
    res = fn(*args, **kwargs)
    log_to.info(f"{what}: {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU")
    return res


def rule_circle(*, input, output, params, wildcards, log, config) -> None:
    """Rule regimes_circle: the alpha sweep and the width sweep on the circle task."""
    sec, logger = params.section, get_logger("regimes.circle", log)
    data = load_circle(input.data)
    a = sec["alpha"]
    res = _timed(
        logger,
        "alpha sweep",
        alpha_sweep,
        data,
        a["width"],
        alpha_values(a),
        sec["seeds"],
        a["steps"],
        a["lr"],
        params.seed,
        a["rich_alpha"],
    )
    for i, al in enumerate(res["alphas"]):
        logger.info(
            f"alpha {al:.3g}: w_rel {res['w_rel'][i].mean():.3g}, k_rel {res['k_rel'][i].mean():.3g}, "
            f"lin_gap {res['lin_gap'][i].mean():.3g}, pattern {res['pattern_frac'][i].mean():.3g}, "
            f"train {res['train_loss'][i].mean():.3g}, test {res['test_loss'][i].mean():.3g}"
        )
    _save(output.alpha, res, sec, "regimes_circle", config, seed=params.seed)
    w = sec["width"]
    res = _timed(
        logger,
        "width sweep",
        width_sweep,
        data,
        list(w["parameterizations"]),
        w["widths"],
        sec["seeds"],
        w["steps"],
        w["lr"],
        w["standard_lr"],
        params.seed,
        logger=logger,
    )
    _save(output.width, res, sec, "regimes_circle", config, seed=params.seed)


def rule_mup(*, input, output, params, wildcards, log, config) -> None:
    """Rule regimes_mup: the coordinate check and the learning-rate transfer on the digits."""
    sec, logger = params.section, get_logger("regimes.mup", log)
    c = sec["coord"]
    res = _timed(
        logger,
        "coordinate check",
        coord_check,
        list(c["parameterizations"]),
        list(c["optimizers"]),
        [2**k for k in range(c["log2_width_min"], c["log2_width_max"] + 1)],
        c["depth"],
        c["seeds"],
        c["batch"],
        c["steps"],
        c["lr"],
        c["mup_readout_zero"],
        params.seed,
    )
    _save(output.coord, res, sec, "regimes_mup", config, seed=params.seed)
    r = sec["lr_transfer"]
    log2_lrs = np.arange(r["log2_lr_min"], r["log2_lr_max"] + 1e-9, r["log2_lr_step"])
    res = _timed(
        logger,
        "lr transfer",
        lr_transfer,
        list(r["parameterizations"]),
        r["widths"],
        r["depth"],
        log2_lrs,
        r["seeds"],
        r["steps"],
        r["batch"],
        r["optimizer"],
        params.seed,
        r["eval_points"],
        logger=logger,
    )
    _save(output.lr, res, sec, "regimes_mup", config, seed=params.seed)


def rule_teacher(*, input, output, params, wildcards, log, config) -> None:
    """Rule regimes_teacher: test loss vs initialisation scale tau (Chizat et al.'s shallow experiment)."""
    sec, logger = params.section, get_logger("regimes.teacher", log)
    t = sec["teacher"]
    taus = np.linspace(t["log10_tau_min"], t["log10_tau_max"], t["n_tau"])
    res = _timed(
        logger,
        "teacher-student",
        teacher_student,
        t["dim"],
        t["n_train"],
        t["n_test"],
        t["teacher_units"],
        t["student_units"],
        taus,
        t["trials"],
        t["steps"],
        t["eval_every"],
        t["max_step"],
        t["step_coef"],
        params.seed,
    )
    for i, tau in enumerate(res["taus"]):
        logger.info(
            f"tau {tau:.3g}: test final {res['test_loss_final'][i].mean():.4g}, best "
            f"{res['test_loss_best'][i].mean():.4g}, train {res['train_loss_final'][i].mean():.4g}"
        )
    _save(output.teacher, res, sec, "regimes_teacher", config, seed=params.seed)


def summarize(
    paths: dict, section: dict, outputs: dict, log: str | None = None, config: dict | None = None
) -> list:
    """Rule regimes_summary: tables, checks and figures from the experiments' npz files (``paths``
    keyed alpha / width / coord / lr / teacher; a missing key skips that experiment)."""
    import pandas as pd

    from . import regimes_plots

    logger = get_logger("regimes.summary", log)
    ci = section["ci"]
    meta = provenance.metadata(section, rule="regimes_summary", full_config=config)
    load = {k: io.load_npz(p) for k, p in paths.items()}
    cks, exps = [], []

    def add_fit(experiment, what, fit, x):
        exps.append(
            {
                "experiment": experiment,
                "quantity": what,
                "exponent": fit["exponent"],
                "ci_low": fit["ci_low"],
                "ci_high": fit["ci_high"],
                "n_seeds": fit["n_seeds"],
                "x_min": float(np.min(x)),
                "x_max": float(np.max(x)),
            }
        )

    if "alpha" in load:
        a = load["alpha"]
        io.save_table(outputs["table_alpha"], alpha_table(a), meta=meta)
        c, fit = check_alpha_lazy(a["alphas"], a["w_rel"], section["alpha"]["lazy_fraction"], ci)
        cks.append(c)
        add_fit("alpha", "w_rel (lazy half)", fit, a["alphas"])
        for q in ("k_rel", "lin_gap"):
            n_lazy = max(2, int(round(section["alpha"]["lazy_fraction"] * len(a["alphas"]))))
            add_fit(
                "alpha",
                f"{q} (lazy half)",
                fit_exponent(a["alphas"][-n_lazy:], a[q][-n_lazy:].T, ci),
                a["alphas"][-n_lazy:],
            )
        regimes_plots.alpha_sweep(a, fit, outputs["fig_alpha"], meta)
    if "width" in load:
        w = load["width"]
        io.save_table(outputs["table_width"], width_table(w), meta=meta)
        params = [str(p) for p in w["params"]]
        fits = {}
        for i, p in enumerate(params):
            for q in ("a_rel", "h_rel"):
                fits[p, q] = fit_exponent(w["widths"], w[q][i].T, ci)
                add_fit(f"width/{p}", q, fits[p, q], w["widths"])
        for name, p, target, tol in (
            ("mup_feature_exponent", "mup", MUP_FEATURE_EXPONENT, MUP_FEATURE_TOL),
            ("ntk_feature_exponent", "ntk", NTK_FEATURE_EXPONENT, NTK_FEATURE_TOL),
        ):
            if p in params:
                i = params.index(p)
                other = f"; first-layer weight change slope {fits[p, 'a_rel']['exponent']:.3f}"
                if "standard" in params:
                    other += (
                        f"; standard (reported only): h_rel slope {fits['standard', 'h_rel']['exponent']:.3f}"
                    )
                cks.append(
                    check_feature_exponent(name, p, w["widths"], w["h_rel"][i], target, tol, ci, other)[0]
                )
        regimes_plots.width_sweep(w, fits, outputs["fig_width"], meta)
    if "coord" in load:
        c = load["coord"]
        io.save_table(outputs["table_coord"], coord_table(c), meta=meta)
        params = [str(p) for p in c["params"]]
        opts = [str(o) for o in c["optimizers"]]
        for i, p in enumerate(params):
            for r in coord_slopes(c["widths"], c["mean_abs"][i], ci):
                exps.append(
                    {
                        "experiment": f"coord/{p}/{opts[r['opt']]}",
                        "quantity": f"layer {r['layer']} step last",
                        "exponent": r["exponent"],
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "n_seeds": r["n_seeds"],
                        "x_min": float(min(c["widths"])),
                        "x_max": float(max(c["widths"])),
                    }
                )
        if "mup" in params:
            std = c["mean_abs"][params.index("standard")] if "standard" in params else None
            cks.append(check_coord(c["widths"], c["mean_abs"][params.index("mup")], std, opts, ci))
        regimes_plots.coord_check(c, outputs["fig_coord"], meta)
    if "lr" in load:
        r = load["lr"]
        io.save_table(outputs["table_lr"], lr_table(r), meta=meta)
        params = [str(p) for p in r["params"]]
        if "mup" in params:
            std = r["train_loss"][params.index("standard")] if "standard" in params else None
            cks.append(
                check_lr_transfer(r["widths"], r["log2_lrs"], r["train_loss"][params.index("mup")], std)
            )
        regimes_plots.lr_transfer(r, outputs["fig_lr"], meta)
    if "teacher" in load:
        t = load["teacher"]
        io.save_table(outputs["table_teacher"], teacher_table(t), meta=meta)
        cks.append(check_rich_beats_lazy(t["taus"], t["test_loss_final"], ci))
        regimes_plots.teacher_student(t, outputs["fig_teacher"], meta)
    io.save_table(outputs["exponents"], pd.DataFrame(exps), meta=meta, markdown=True)
    write_checks(outputs["checks"], cks, meta=meta)
    for c in cks:
        log_check(logger, c)
    return cks


EXPERIMENTS = ("alpha", "width", "coord", "lr", "teacher")


def rule_summary(*, input, output, params, wildcards, log, config) -> None:
    paths = {k: getattr(input, k) for k in EXPERIMENTS if hasattr(input, k)}
    outs = {k: getattr(output, k) for k in output.keys()}
    summarize(paths, params.section, outs, log, config)
