"""Stage realdata: real data (scikit-learn's bundled sets). Jacot et al. 2018 Figure 3 on digits, and
NTK / NNGP regression vs trained nets vs scikit-learn baselines (Arora et al. 2020 style).

Rules (workflow/rules/realdata.smk; data and fig3 are one job each, not one per set or width: a
job's start costs more than their compute at the default sizes):

- ``realdata_data`` -> ``make_data``: results/realdata/data/<set>.npz (+ sidecar) for every set:
  the seeded split and the normalisation of ``pipeline.real_datasets`` (features standardised with
  the training statistics, then rows scaled to norm sqrt(d_in)).
- ``realdata_fig3`` -> ``fig3``: results/realdata/fig3.npz. The Figure-3 batch (``fig3.n_points``
  rows of the digits TRAINING split, a seeded draw), the analytic NTK of the Figure-3 net on it
  (our closed form, float64) and its non-centred kernel PCA with the 1/N normalisation
  (``pipeline.kernel_pca``): ``x`` (N, d), ``labels`` (N,), ``eigenvalues`` (n_spectrum,),
  ``components`` (N, 3) (p_in norm 1), ``trace`` () = trace(K)/N. Then, per width w
  (``train_path``), ``fig3.trials`` nets trained by full-batch GD with learning rate ``fig3.lr`` on
  the 1/(2N) loss (eta = lr / N on the project's 1/2-sum loss, ``training.effective_eta``) towards
  f* = f_theta0 + a f^(2): ``w<w>_t`` (T,), ``w<w>_g``, ``w<w>_h`` (S, T) (p_in norms of the
  decomposition), ``w<w>_g_lin``, ``w<w>_h_lin`` (the same for the linearised net, kernel GD with
  the net's own K_0), ``w<w>_loss`` (S, T) on the 1/(2N) loss, ``w<w>_k_growth`` (S,) =
  ||K_T||_F / ||K_0||_F, ``w<w>_k0_rel_err`` (S,) = ||K_0 - K_inf||_F / ||K_inf||_F.
- ``realdata_regression`` (wildcard ``dataset``) -> ``regression``:
  results/realdata/regression_<set>.npz with a tidy table (``rows``, JSON) of test and CV scores
  of NTK / NNGP kernel regression (depths ``regression.depths``, relative ridge chosen by CV on the
  training rows), trained nets (``regression.net``, widths ``regression.widths``, seeds vmapped),
  scikit-learn's RBF kernel ridge (GridSearchCV) and random forest; ``gap`` (S, W): the relative
  gap between each net's test predictions and the NTK's.
- ``realdata_summary`` -> ``summarize``: the tables, checks and figures below.

Training: ``training.gd_run`` / ``train_sweep`` share one target across seeds and have scalar
outputs. Jacot's target f* = f_theta0 + a f^(2) depends on each trial's init, the centred nets'
targets Y + f(w_0, X) on each seed's, and one-hot targets need d_out = C: ``gd_records`` is their
per-seed-target, multi-output twin (the step is ``training.gd_update``, the lr convention
``training.effective_eta``; all seeds vmapped in one compiled program). Initial parameters
(``init_nets``) are drawn with numpy in ``models.init_params``' layout: JAX's threefry costs seconds
of compilation per array shape on a CPU.

Nets vs NTK regression, like with like: a net is trained CENTRED, i.e. its prediction is
f(w_T, x) - f(w_0, x), obtained by training f on the targets Y + f(w_0, X) (the same gradients) and
subtracting f(w_0, .) afterwards. In the infinite-width limit that is kernel GD from 0 on the NTK,
f_T = K_* V diag((1 - (1 - eta lambda)^T) / lambda) V^T Y, which tends to the ridge -> 0 NTK
regression K_* K^-1 Y as T -> infinity (``kernel_regression.kernel_gd_predictor``). The check
compares the net with the NTK predictor after the SAME T steps and step eta = lr / lambda_max(K);
the table also gives the gap to the fully converged (ridge -> 0) one and the train loss left.

Outputs of ``summarize``:

- results/tables/realdata_datasets.csv: name, task, n_train, n_test, d_in, classes, normalisation.
- results/tables/realdata_pca_eigenvalues.csv: component, eigenvalue (of K/N), fraction of the
  trace, the paper's MNIST value (components 1-3).
- results/tables/realdata_fig3.csv: one row per (width, trial): max_t ||h_t|| / a, the decay rate of
  ||g_t||, lambda_2, kernel growth ||K_T|| / ||K_0||, ||K_0 - K_inf|| / ||K_inf||, final loss.
- results/tables/realdata_accuracy.csv: one row per (data set, method, depth, width): test score mean,
  std, n_runs, CV mean / std, ridge; realdata_accuracy_summary.csv: data set x method, "mean +- std".
- results/tables/realdata_net_gap.csv: one row per (data set, width, seed): gap to the NTK predictor
  after T steps, gap to the ridge -> 0 regression, train loss ratio.
- results/checks/realdata.csv: ``pc_straight_line``, ``pc_decay_rate``, ``wide_net_matches_ntk_regression``.
- results/figures/realdata/kernel_pca.png, function_path.png, regression.png (``realdata_plots``).

Randomness: the split and subsamples use ``seed``; seed s of the nets of width m is drawn from
numpy's default_rng([seed, m, STAGE_SALT, s]) (fig3) or default_rng([seed, m, set index + 1,
STAGE_SALT, s]) (regression), so every draw is independent and the same config gives the same numbers.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from .. import checks, io, provenance, real_datasets
from ..fits import combine_verdicts, fit_exponent, mean_ci, verdict_from_ci
from ..models import MLPSpec
from ..precision import float_dtype, x64_context
from ..progress import get_logger

STAGE_SALT = 14  # decorrelates this stage's initialisations from other stages using the same seed
PAPER_MNIST = (0.0457, 0.00108, 0.00078)  # Jacot et al. 2018, Fig. 3: lambda_1..3 on 512 MNIST digits
N_COMPONENTS = 3
PREDICTED_GAP_EXPONENT = -0.5


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


# --- rule realdata_data ------------------------------------------------------------------------


def make_data(
    names, section: dict, seed: int, outs, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule realdata_data: load, split and normalise each set of ``names`` into ``outs`` (.npz + sidecar).

    One job for all sets: importing scikit-learn costs more than writing every set."""
    logger = get_logger("realdata.data", log)
    written = {}
    for name, out in zip(names, outs):
        arrays = real_datasets.make_dataset(name, section["test_fraction"], seed)
        io.save_npz(
            out,
            arrays,
            meta=provenance.metadata(
                {"test_fraction": section["test_fraction"]},
                rule="realdata_data",
                dataset=name,
                seed=seed,
                normalisation=real_datasets.NORMALISATION,
                source=f"sklearn.datasets.load_{name}",
                full_config=config,
            ),
        )
        logger.info(
            f"wrote {out}: {name} ({arrays['task']}), train {arrays['x_train'].shape}, "
            f"test {arrays['x_test'].shape}; {real_datasets.NORMALISATION}"
        )
        written[name] = arrays
    return written


# --- rule realdata_fig3 ------------------------------------------------------------------------


def fig3_batch(n_train: int, n_points: int, seed: int) -> np.ndarray:
    """Positions (into the digits training split) of the Figure-3 batch: a seeded draw of n_points."""
    if n_points > n_train:
        raise ValueError(f"realdata.fig3.n_points = {n_points} exceeds the {n_train} training digits")
    rng = np.random.default_rng([seed, STAGE_SALT])
    return np.sort(rng.permutation(n_train)[:n_points])


def pca_arrays(data: dict, fig3: dict, seed: int) -> dict:
    """The Figure-3 batch, the analytic NTK of the Figure-3 net on it and its kernel PCA (1/N)."""
    from ..kernel_pca import kernel_pca

    pos = fig3_batch(len(data["x_train"]), fig3["n_points"], seed)
    x = data["x_train"][pos]
    spec = net_spec(fig3["net"], 1, x.shape[1])
    K = analytic_kernels(spec, x)["ntk"]
    lam, comps = kernel_pca(K, min(fig3["n_spectrum"], len(x)))
    return {
        "x": x,
        "labels": data["y_train"][pos],
        "positions": pos,
        "eigenvalues": lam,
        "components": comps[:, :N_COMPONENTS],
        "trace": np.float64(np.trace(K) / len(x)),
        "K": K,
    }


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


def train_path(
    width: int, x: np.ndarray, direction: np.ndarray, K_inf: np.ndarray, fig3: dict, seed: int, x64: bool
) -> dict:
    """``fig3.trials`` nets of ``width`` trained by GD (lr on the 1/(2N) loss) towards
    f* = f_theta0 + a f^(2); the g/h decomposition of the net and of its linearisation (kernel GD
    with its own K_0), the kernel growth ||K_T|| / ||K_0|| and ||K_0 - K_inf|| / ||K_inf||."""
    import jax
    import jax.numpy as jnp

    from .. import training
    from ..kernel_pca import decompose
    from ..ntk_empirical import ntk

    n = x.shape[0]
    a = float(fig3["amplitude"])
    steps = np.unique(np.round(np.linspace(0, fig3["steps"], fig3["records"])).astype(int))
    eta = training.effective_eta(fig3["lr"], n, "mean")
    spec = net_spec(fig3["net"], int(width), x.shape[1])
    counts = np.diff(check_steps(steps))
    with x64_context(x64):
        dtype = float_dtype(x64)
        xj = jnp.asarray(x, dtype)
        d = jnp.asarray(direction, dtype)

        # ONE compiled program per width: f_0 and K_0, the GD path, K_T (inputs as arguments, not
        # closed-over constants, which XLA would try to constant-fold)
        @jax.jit
        def run(params0, xj, d):
            probe = jax.vmap(lambda p: (_apply(p, xj, spec)[:, 0], ntk(p, xj, spec, None, None)))
            f0, K0 = probe(params0)
            f_star = f0 + a * d[None]
            p_t, fs, losses = gd_scan(spec, params0, xj, f_star[..., None], eta, counts)
            return f0, f_star, K0, fs, losses, probe(p_t)[1]

        f0, f_star, K0, fs, loss, KT = (
            np.asarray(v, np.float64)
            for v in run(init_nets(spec, fig3["trials"], dtype, seed, int(width)), xj, d)
        )
        fs, loss = np.swapaxes(fs, 0, 1), loss.T
    if not np.isfinite(loss).all():
        raise training.DivergenceError(
            f"realdata fig3 width {width} diverged (lr {fig3['lr']} on the 1/(2N) loss "
            f"= eta {eta:.4g} on the 1/2-sum loss)"
        )
    f = fs[..., 0].astype(np.float64)
    g, h = decompose(f, f_star, direction)
    # linearised net: f_lin_t - f* = (I - eta K_0)^t (f_0 - f*), exactly, per trial
    f_lin = np.empty_like(f)
    for s in range(f.shape[0]):
        lam, vecs = np.linalg.eigh(K0[s])
        coef = vecs.T @ (f0[s] - f_star[s])
        f_lin[s] = f_star[s] + ((1 - eta * lam)[None, :] ** steps[:, None] * coef[None]) @ vecs.T
    g_lin, h_lin = decompose(f_lin, f_star, direction)
    norm_inf = np.linalg.norm(K_inf)
    return {
        "width": np.int64(width),
        "t": steps,
        "g": g,
        "h": h,
        "g_lin": g_lin,
        "h_lin": h_lin,
        "loss": loss / n,
        "f_star": f_star,
        "eta": np.float64(eta),
        "amplitude": np.float64(a),
        "k_growth": np.linalg.norm(KT, axis=(1, 2)) / np.linalg.norm(K0, axis=(1, 2)),
        "k0_rel_err": np.linalg.norm(K0 - K_inf[None], axis=(1, 2)) / norm_inf,
        "k0_rel_norm": np.linalg.norm(K0, axis=(1, 2)) / norm_inf,
    }


def fig3(
    data_path: str,
    section: dict,
    seed: int,
    x64: bool,
    out: str,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Rule realdata_fig3: kernel PCA of the analytic NTK on the digits batch, then every width's path.

    Writes ``out`` (.npz): the ``pca_arrays`` (K excluded) and, per width w, ``w<w>_<key>`` for the
    keys of ``train_path``; ``widths`` (W,)."""
    logger = get_logger("realdata.fig3", log)
    fig = section["fig3"]
    t0 = time.perf_counter()
    data = io.load_npz(data_path, required=("x_train", "y_train"))
    p = pca_arrays(data, fig, seed)
    lam = p["eigenvalues"]
    logger.info(
        f"kernel PCA of the analytic NTK on N={len(p['x'])} digits: lambda_1..3 = "
        f"{np.round(lam[:3], 5).tolist()} (trace/N {p['trace']:.4g}); paper (MNIST): {list(PAPER_MNIST)}; "
        f"{time.perf_counter() - t0:.1f}s"
    )
    arrays = {k: v for k, v in p.items() if k != "K"}
    arrays["widths"] = np.asarray(fig["widths"], np.int64)
    timing = {}
    for w in fig["widths"]:
        tw = time.perf_counter()
        r = train_path(int(w), p["x"], p["components"][:, 1], p["K"], fig, seed, x64)
        timing[f"w{w}_s"] = time.perf_counter() - tw
        arrays.update({f"w{w}_{k}": v for k, v in r.items()})
        logger.info(
            f"width {w}: {fig['trials']} trials, {int(r['t'][-1])} steps in {timing[f'w{w}_s']:.1f}s; "
            f"max_t ||h_t||/a {np.round(r['h'].max(1) / r['amplitude'], 4).tolist()}, ||g_T|| "
            f"{np.round(r['g'][:, -1], 4).tolist()} "
            f"(theory {r['amplitude'] * np.exp(-lam[1] * r['t'][-1]):.4f}), "
            f"||K_T||/||K_0|| {np.round(r['k_growth'], 4).tolist()}"
        )
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(
            fig,
            rule="realdata_fig3",
            seed=seed,
            x64=x64,
            timing={"total_s": time.perf_counter() - t0, **timing},
            full_config=config,
        ),
    )
    return arrays


def fig3_runs(arrays: dict) -> list[dict]:
    """The per-width dicts of a ``fig3`` output, ascending width."""
    runs = []
    for w in sorted(int(v) for v in arrays["widths"]):
        pre = f"w{w}_"
        runs.append({k[len(pre) :]: v for k, v in arrays.items() if k.startswith(pre)})
    return runs


# --- rule realdata_regression ------------------------------------------------------------------


def net_program(spec: MLPSpec, n: int, n_seeds: int, eta: float, steps: int, dtype):
    """ONE compiled program ``run(params0, Y, xall) -> (f(w_0), f(w_T) on xall (S, n + m, C), loss
    (2, S))``: train S seeds centred (targets Y + f(w_0, X) on the first n rows) for ``steps`` steps."""
    import jax

    def run(params0, Y, xall):
        out = jax.vmap(lambda p: _apply(p, xall, spec))
        f0 = out(params0)
        p_t, _, losses = gd_scan(spec, params0, xall[:n], Y[None] + f0[:, :n], eta, [steps])
        return f0, out(p_t), losses

    return jax.jit(run)


def _rows_kernel(name, task, metric, kind, depth, cv, test, ridge, n_train, n_test):
    return {
        "dataset": name,
        "task": task,
        "metric": metric,
        "method": kind,
        "depth": depth,
        "width": np.nan,
        "test_mean": test,
        "test_std": np.nan,
        "n_runs": 1,
        "cv_mean": float(np.mean(cv)),
        "cv_std": float(np.std(cv, ddof=1)) if len(cv) > 1 else np.nan,
        "ridge": ridge,
        "n_train": n_train,
        "n_test": n_test,
    }


def sklearn_baselines(x, Y, y, xt, yt, task, folds, sec: dict, seed: int) -> list[dict]:
    """RBF kernel ridge (GridSearchCV over alpha, gamma = g / d_in on the given folds) and random
    forests (``forest.seeds`` seeds). Returns partial rows (method, test_mean, test_std, ...)."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import GridSearchCV

    from ..kernel_regression import score

    d = x.shape[1]
    scorer = make_scorer(
        lambda yt_, yp: score(yp, np.argmax(yt_, -1) if task == "classification" else yt_[:, 0], task)
    )
    grid = GridSearchCV(
        KernelRidge(kernel="rbf"),
        {"alpha": list(sec["rbf"]["alphas"]), "gamma": [g / d for g in sec["rbf"]["gammas"]]},
        cv=[(a, b) for a, b in folds],
        scoring=scorer,
        n_jobs=1,
    )
    grid.fit(x, Y)
    i = grid.best_index_
    cv = [grid.cv_results_[f"split{f}_test_score"][i] for f in range(len(folds))]
    rows = [
        {
            "method": "rbf_krr",
            "test_mean": score(grid.predict(xt), yt, task),
            "test_std": np.nan,
            "n_runs": 1,
            "cv_mean": float(np.mean(cv)),
            "cv_std": float(np.std(cv, ddof=1)),
            "ridge": float(grid.best_params_["alpha"]),
            "detail": f"gamma = {grid.best_params_['gamma'] * d:g} / d_in",
        }
    ]
    tests = []
    for s in range(sec["forest"]["seeds"]):
        if task == "classification":
            rf = RandomForestClassifier(
                n_estimators=sec["forest"]["n_estimators"], random_state=seed + s, n_jobs=1
            )
            rf.fit(x, np.argmax(Y, -1))
            tests.append(float(np.mean(rf.predict(xt) == yt)))
        else:
            rf = RandomForestRegressor(
                n_estimators=sec["forest"]["n_estimators"], random_state=seed + s, n_jobs=1
            )
            rf.fit(x, Y[:, 0])
            tests.append(score(rf.predict(xt)[:, None], yt, task))
    rows.append(
        {
            "method": "random_forest",
            "test_mean": float(np.mean(tests)),
            "test_std": float(np.std(tests, ddof=1)) if len(tests) > 1 else np.nan,
            "n_runs": len(tests),
            "cv_mean": np.nan,
            "cv_std": np.nan,
            "ridge": np.nan,
            "detail": f"{sec['forest']['n_estimators']} trees",
        }
    )
    return rows


def regression(
    name: str,
    data_path: str,
    section: dict,
    seed: int,
    x64: bool,
    out: str,
    log: str | None = None,
    config: dict | None = None,
    logger=None,
) -> dict:
    """Rule realdata_regression: kernel regression (NTK, NNGP), trained nets and baselines on ``name``."""
    import jax.numpy as jnp

    from .. import kernel_regression as kr

    logger = logger or get_logger(f"realdata.regression.{name}", log)
    sec = section["regression"]
    data = io.load_npz(
        data_path, required=("x_train", "x_test", "t_train", "t_test", "y_train", "y_test", "task")
    )
    task = str(data["task"])
    cls = task == "classification"
    metric = "accuracy" if cls else "r2"
    keep = real_datasets.subsample(data["y_train"], sec["max_train"], seed, stratify=cls)
    x, Y = data["x_train"][keep], data["t_train"][keep]
    y = data["y_train"][keep] if cls else Y[:, 0]
    xt, Yt = data["x_test"], data["t_test"]
    yt = data["y_test"] if cls else Yt[:, 0]
    n, m, C = len(x), len(xt), Y.shape[1]
    folds = real_datasets.cv_folds(y if cls else np.zeros(n), sec["cv_folds"], seed, stratify=cls)
    ridges = np.asarray(sec["ridges"], np.float64)
    base = {"dataset": name, "task": task, "metric": metric, "n_train": n, "n_test": m}
    t0 = time.perf_counter()

    rows = []
    for depth in sec["depths"]:
        spec = net_spec(sec["net"], 1, x.shape[1], depth=depth)
        k_tr, k_te = train_test_kernels(spec, x, xt)
        for kind in ("ntk", "nngp"):
            cv = kr.cv_scores(k_tr[kind], Y, y, folds, ridges, task)
            i = kr.select_ridge(cv, ridges)
            pred = kr.ridge_path(k_tr[kind], k_te[kind], Y, [ridges[i]])[0]
            rows.append(
                _rows_kernel(
                    name, task, metric, kind, depth, cv[i], kr.score(pred, yt, task), ridges[i], n, m
                )
                | {"detail": f"relative ridge {ridges[i]:g} by {len(folds)}-fold CV"}
            )
    t_kernel = time.perf_counter() - t0
    for r in sklearn_baselines(x, Y, y, xt, yt, task, folds, sec, seed):
        rows.append(base | {"depth": np.nan, "width": np.nan} | r)
    t_sklearn = time.perf_counter() - t0 - t_kernel

    # trained nets vs the NTK predictor after the same T steps (centred nets; see the module docstring)
    net = sec["net"]
    spec0 = net_spec(net, 1, x.shape[1], d_out=C)
    k_tr, k_te = train_test_kernels(spec0, x, xt)
    lam_max = float(np.linalg.eigvalsh(k_tr["ntk"])[-1])
    eta = sec["lr"] / lam_max
    T = int(sec["steps"])
    ref_T, ref_inf = kr.kernel_gd_predictor(k_tr["ntk"], k_te["ntk"], Y, eta, [T, np.inf])
    rows.append(
        base
        | {
            "method": "ntk_gd",
            "depth": net["depth"],
            "width": np.inf,
            "test_mean": kr.score(ref_T, yt, task),
            "test_std": np.nan,
            "n_runs": 1,
            "cv_mean": np.nan,
            "cv_std": np.nan,
            "ridge": np.nan,
            "detail": f"analytic NTK, kernel GD from 0 for T = {T} steps, eta = {sec['lr']} / lambda_max",
        }
    )
    widths = [int(w) for w in sec["widths"]]
    S = sec["seeds"]
    gap, gap_inf, loss_ratio, scores = (np.full((S, len(widths)), np.nan) for _ in range(4))
    set_index = real_datasets.SETS.index(name)
    with x64_context(x64):
        dtype = float_dtype(x64)
        xall = jnp.asarray(np.concatenate([x, xt]), dtype)
        for j, w in enumerate(widths):
            spec = net_spec(net, w, x.shape[1], d_out=C)
            tw = time.perf_counter()
            params0 = init_nets(spec, S, dtype, seed, w, set_index + 1)
            run = net_program(spec, n, S, eta, T, dtype)
            f_init, f_end, loss = (
                np.asarray(v, np.float64) for v in run(params0, jnp.asarray(Y, dtype), xall)
            )
            f0t = f_init[:, n:]
            tw = time.perf_counter() - tw
            pred = f_end[:, n:] - f0t  # centred: f(w_T) - f(w_0) on the test rows
            ok = np.isfinite(loss[-1])
            gap[:, j] = np.where(ok, kr.relative_gap(pred, ref_T), np.nan)
            gap_inf[:, j] = np.where(ok, kr.relative_gap(pred, ref_inf), np.nan)
            loss_ratio[:, j] = loss[-1] / loss[0]
            scores[:, j] = [kr.score(pr, yt, task) if o else np.nan for pr, o in zip(pred, ok)]
            logger.info(
                f"{name} net width {w}: {S} seeds, {T} steps in {tw:.1f}s (incl. compile); "
                f"gap to NTK GD {np.round(gap[:, j], 4).tolist()}; "
                f"{metric} {np.round(scores[:, j], 3).tolist()}"
            )
            rows.append(
                base
                | {
                    "method": "net",
                    "depth": net["depth"],
                    "width": w,
                    "test_mean": float(np.nanmean(scores[:, j])),
                    "test_std": float(np.nanstd(scores[:, j], ddof=1)) if S > 1 else np.nan,
                    "n_runs": int(np.isfinite(scores[:, j]).sum()),
                    "cv_mean": np.nan,
                    "cv_std": np.nan,
                    "ridge": np.nan,
                    "detail": f"centred net, GD {T} steps, eta = {sec['lr']} / lambda_max(NTK)",
                }
            )
    wall = time.perf_counter() - t0
    arrays = {
        "rows": np.array(json.dumps(rows, default=float)),
        "widths": np.asarray(widths),
        "gap": gap,
        "gap_inf": gap_inf,
        "loss_ratio": loss_ratio,
        "net_scores": scores,
        "eta": np.float64(eta),
        "steps": np.int64(T),
        "n_train": np.int64(n),
        "n_test": np.int64(m),
    }
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(
            sec,
            rule="realdata_regression",
            dataset=name,
            seed=seed,
            x64=x64,
            timing={"total_s": wall, "kernels_s": t_kernel, "sklearn_s": t_sklearn},
            full_config=config,
        ),
    )
    logger.info(
        f"wrote {out}: {name}, n_train {n}, n_test {m}; kernels {t_kernel:.1f}s, sklearn {t_sklearn:.1f}s, "
        f"total {wall:.1f}s"
    )
    return arrays


def _apply(p, x, spec):
    from ..models import apply

    return apply(p, x, spec)


# --- rule realdata_summary ---------------------------------------------------------------------


def path_checks(widths, runs: list[dict], lam2: float, section: dict) -> list:
    """pc_straight_line (max_t ||h_t|| / a shrinks with width) and pc_decay_rate (rate of ||g_t||
    at the widest width within ``rate_tolerance`` of lambda_2)."""
    from ..kernel_pca import decay_rate

    ci = section["ci"]
    fig3 = section["fig3"]
    tol = fig3["rate_tolerance"]
    dev = np.stack([r["h"].max(1) / float(r["amplitude"]) for r in runs], axis=1)  # (S, W)
    fit = fit_exponent(widths, dev, ci)
    per_width = "; ".join(f"m={w}: {np.round(dev[:, j], 4).tolist()}" for j, w in enumerate(widths))
    straight = checks.Check(
        check="pc_straight_line",
        stage="realdata",
        prediction="GD moves f_theta along the straight line from f_theta(0) to f* = f_theta(0) + a f^(2) "
        "as the width grows: max_t ||h_t|| / a decreases with width",
        measured=fit["exponent"],
        ci_low=fit["ci_low"],
        ci_high=fit["ci_high"],
        interval=f"{ci:.0%} t-interval over {fit['n_seeds']} trials of the per-trial log-log slope of "
        "max_t ||h_t|| / a vs width",
        tolerance=f"log-log slope of max_t ||h_t|| / a vs width, {ci:.0%} CI below 0 (theory -0.5)",
        verdict=verdict_from_ci(fit["ci_low"], fit["ci_high"], -math.inf, 0.0)
        if len(widths) > 1
        else "inconclusive",
        figure="realdata/function_path.png",
        detail=f"Jacot et al. 2018 Sec. 6 / Fig. 3; digits N={runs[0]['f_star'].shape[1]}; per-trial slopes "
        f"{np.round(fit['slopes'], 3).tolist()} over widths {list(widths)}; max_t ||h_t||/a: {per_width}",
    )
    wide = runs[int(np.argmax(widths))]
    rates = decay_rate(wide["t"], wide["g"])
    r = mean_ci(rates / lam2, ci)
    discrete = -math.log1p(-lam2) / lam2 if lam2 < 1 else math.nan
    rate = checks.Check(
        check="pc_decay_rate",
        stage="realdata",
        prediction="||g_t|| = a exp(-lambda_2 t) (lambda_2: 2nd eigenvalue of the analytic NTK / N)",
        measured=r["mean"],
        ci_low=r["ci_low"],
        ci_high=r["ci_high"],
        interval=f"{ci:.0%} t-interval over {r['n']} trials of the fitted decay rate / lambda_2 at the "
        f"widest width ({int(wide['width'])})",
        tolerance=f"fitted decay rate / lambda_2 in [{1 - tol:g}, {1 + tol:g}] ({ci:.0%} CI over trials)",
        verdict=verdict_from_ci(r["ci_low"], r["ci_high"], 1 - tol, 1 + tol),
        figure="realdata/function_path.png",
        detail=f"Jacot et al. 2018 Fig. 3; widest width {int(wide['width'])}, {len(rates)} trials; rates "
        f"{np.round(rates, 6).tolist()} vs lambda_2 = {lam2:.6g} (discrete GD predicts "
        f"{discrete:.4f} lambda_2); least-squares slope of log ||g_t|| over t in 0..{int(wide['t'][-1])}",
    )
    return [straight, rate]


def gap_check(gaps: dict, widths, ci: float) -> tuple[checks.Check, list[dict]]:
    """wide_net_matches_ntk_regression: on every data set the fitted slope of the net-vs-NTK gap over
    widths has its CI below 0. gaps: dataset -> (S, W). Verdict: fail if any set fails, pass if all
    pass, else inconclusive; measured = the largest (least negative) slope."""
    fits, verdicts = {}, {}
    for name, g in gaps.items():
        fits[name] = fit_exponent(widths, g, ci)
        verdicts[name] = (
            verdict_from_ci(fits[name]["ci_low"], fits[name]["ci_high"], -math.inf, 0.0)
            if len(widths) > 1
            else "inconclusive"
        )
    worst = max(fits, key=lambda k: fits[k]["exponent"] if np.isfinite(fits[k]["exponent"]) else math.inf)
    verdict = combine_verdicts(verdicts.values())
    detail = "; ".join(
        f"{k}: {f['exponent']:.3f} [{f['ci_low']:.3f}, {f['ci_high']:.3f}] {verdicts[k]}"
        for k, f in fits.items()
    )
    c = checks.Check(
        check="wide_net_matches_ntk_regression",
        stage="realdata",
        prediction="a wide net trained by GD predicts like NTK regression: the relative gap between the "
        "centred net's test predictions and the analytic NTK's (same depth, kernel GD for the same T steps; "
        "ridge -> 0 as T -> inf) shrinks like width^-1/2",
        measured=fits[worst]["exponent"],
        ci_low=fits[worst]["ci_low"],
        ci_high=fits[worst]["ci_high"],
        interval=f"{ci:.0%} t-interval over {fits[worst]['n_seeds']} seeds of the per-seed log-log slope of "
        f"the gap vs width, on the data set with the largest slope ({worst})",
        tolerance=f"on every data set the log-log slope of the gap vs width has its {ci:.0%} CI below 0 "
        f"(theory {PREDICTED_GAP_EXPONENT})",
        verdict=verdict,
        figure="realdata/regression.png",
        detail="Jacot et al. 2018, Lee et al. 2019 (lazy limit), Arora et al. 2020 (NTK regression on small "
        f"data); "
        f"widths {list(widths)}; measured = the largest slope ({worst}); per set: {detail}",
    )
    table = [
        {
            "dataset": k,
            "exponent": f["exponent"],
            "ci_low": f["ci_low"],
            "ci_high": f["ci_high"],
            "n_seeds": f["n_seeds"],
            "verdict": verdicts[k],
            "prediction": PREDICTED_GAP_EXPONENT,
        }
        for k, f in fits.items()
    ]
    return c, table


def accuracy_summary(acc):
    """Data set x method table of "mean +- std" strings: NTK / NNGP at the depth with the best CV score,
    the widest net, the NTK predictor after the nets' T steps, RBF kernel ridge, random forest."""
    import pandas as pd

    rows = []
    for name, d in acc.groupby("dataset", sort=False):
        row = {"dataset": name, "metric": d["metric"].iloc[0]}
        for kind in ("ntk", "nngp"):
            k = d[d["method"] == kind]
            best = k.loc[k["cv_mean"].idxmax()]
            row[f"{kind} (CV depth)"] = (
                f"{best.test_mean:.3f} (depth {int(best.depth)}, CV {best.cv_mean:.3f} +- {best.cv_std:.3f})"
            )
        nets = d[d["method"] == "net"]
        wide = nets.loc[nets["width"].idxmax()]
        row["net (widest)"] = (
            f"{wide.test_mean:.3f} +- {wide.test_std:.3f} (m={int(wide.width)}, {int(wide.n_runs)} seeds)"
        )
        row["ntk_gd (same T)"] = f"{d[d['method'] == 'ntk_gd']['test_mean'].iloc[0]:.3f}"
        rbf = d[d["method"] == "rbf_krr"].iloc[0]
        row["rbf_krr"] = f"{rbf.test_mean:.3f} (CV {rbf.cv_mean:.3f} +- {rbf.cv_std:.3f})"
        rf = d[d["method"] == "random_forest"].iloc[0]
        row["random_forest"] = f"{rf.test_mean:.3f} +- {rf.test_std:.3f} ({int(rf.n_runs)} seeds)"
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(
    data_paths: dict,
    fig3_path: str,
    regression_paths: dict,
    section: dict,
    outputs: dict,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Rule realdata_summary: tables, checks and figures. ``outputs``: the rule's named outputs."""
    import pandas as pd

    from ..kernel_pca import decay_rate
    from . import realdata_plots

    logger = get_logger("realdata.summary", log)
    meta = provenance.metadata(section, rule="realdata_summary", full_config=config)
    ci = section["ci"]

    # data sets
    rows = []
    for name, path in data_paths.items():
        d = io.load_npz(path, required=("x_train", "x_test", "n_classes", "task"))
        rows.append(
            {
                "dataset": name,
                "task": str(d["task"]),
                "n_train": len(d["x_train"]),
                "n_test": len(d["x_test"]),
                "d_in": d["x_train"].shape[1],
                "classes": int(d["n_classes"]),
                "test_fraction": section["test_fraction"],
                "normalisation": real_datasets.NORMALISATION,
            }
        )
    io.save_table(outputs["datasets"], pd.DataFrame(rows), meta=meta, markdown=True)

    # Figure 3
    p = io.load_npz(fig3_path, required=("x", "labels", "eigenvalues", "components", "trace", "widths"))
    lam = p["eigenvalues"]
    eig = pd.DataFrame(
        {
            "component": np.arange(1, len(lam) + 1),
            "eigenvalue": lam,
            "fraction_of_trace": lam / p["trace"],
            "paper_mnist": [PAPER_MNIST[i] if i < 3 else np.nan for i in range(len(lam))],
        }
    )
    io.save_table(outputs["eigenvalues"], eig, meta=meta, markdown=True)
    runs = fig3_runs(p)
    widths = [int(r["width"]) for r in runs]
    lam2 = float(lam[1])
    frows = []
    for r in runs:
        rates = decay_rate(r["t"], r["g"])
        for s in range(r["g"].shape[0]):
            frows.append(
                {
                    "width": int(r["width"]),
                    "trial": s,
                    "max_h_over_a": r["h"][s].max() / float(r["amplitude"]),
                    "max_h_lin_over_a": r["h_lin"][s].max() / float(r["amplitude"]),
                    "g_T": r["g"][s, -1],
                    "g_T_predicted": float(r["amplitude"]) * math.exp(-lam2 * r["t"][-1]),
                    "decay_rate": rates[s],
                    "lambda_2": lam2,
                    "rate_over_lambda_2": rates[s] / lam2,
                    "k_growth": r["k_growth"][s],
                    "k0_norm_over_k_inf": r["k0_rel_norm"][s],
                    "k0_rel_err": r["k0_rel_err"][s],
                    "loss_0": r["loss"][s, 0],
                    "loss_T": r["loss"][s, -1],
                    "steps": int(r["t"][-1]),
                }
            )
    fig3_table = pd.DataFrame(frows)
    io.save_table(outputs["fig3"], fig3_table, meta=meta, markdown=True)
    cks = path_checks(widths, runs, lam2, section)

    # regression
    acc_rows, gaps, gap_rows, reg = [], {}, [], {}
    for name, path in regression_paths.items():
        r = io.load_npz(path, required=("rows", "widths", "gap", "gap_inf", "loss_ratio", "net_scores"))
        reg[name] = r
        acc_rows += json.loads(str(r["rows"]))
        gaps[name] = r["gap"]
        for j, w in enumerate(r["widths"]):
            for s in range(r["gap"].shape[0]):
                gap_rows.append(
                    {
                        "dataset": name,
                        "width": int(w),
                        "seed": s,
                        "gap_ntk_gd_T": r["gap"][s, j],
                        "gap_ridge0": r["gap_inf"][s, j],
                        "train_loss_ratio": r["loss_ratio"][s, j],
                        "test_score": r["net_scores"][s, j],
                        "steps": int(r["steps"]),
                    }
                )
    acc = pd.DataFrame(acc_rows)
    io.save_table(outputs["accuracy"], acc, meta=meta, markdown=True)
    summary = accuracy_summary(acc)
    io.save_table(outputs["accuracy_summary"], summary, meta=meta, markdown=True)
    reg_widths = [int(w) for w in next(iter(reg.values()))["widths"]]
    gap_c, gap_fits = gap_check(gaps, reg_widths, ci)
    io.save_table(outputs["net_gap"], pd.DataFrame(gap_rows), meta=meta, markdown=True)
    cks.append(gap_c)
    checks.write_checks(outputs["checks"], cks, meta=meta)

    realdata_plots.kernel_pca_figure(p, eig, outputs["fig_pca"], meta)
    realdata_plots.function_path_figure(runs, lam2, fig3_table, cks[:2], outputs["fig_path"], meta)
    realdata_plots.regression_figure(acc, reg, gap_fits, outputs["fig_regression"], meta)
    for c in cks:
        checks.log_check(logger, c)
    growth = fig3_table.groupby("width")["k_growth"].mean()
    logger.info(
        "kernel growth ||K_T||/||K_0|| per width: " + ", ".join(f"{w}: {g:.4f}" for w, g in growth.items())
    )
    return {"checks": cks, "accuracy": acc, "summary": summary, "fig3": fig3_table}


# --- rule entry points -------------------------------------------------------------------------


def rule_data(*, input, output, params, wildcards, log, config):
    make_data(list(params.names), params.section, params.seed, list(output.npz), log, config)


def rule_fig3(*, input, output, params, wildcards, log, config):
    fig3(input.data, params.section, params.seed, params.x64, output.npz, log, config)


def rule_regression(*, input, output, params, wildcards, log, config):
    regression(
        wildcards.dataset, input.data, params.section, params.seed, params.x64, output.npz, log, config
    )


def rule_summary(*, input, output, params, wildcards, log, config):
    data_paths = dict(zip(params.data_names, list(input.data)))
    summarize(
        data_paths,
        input.fig3,
        dict(zip(params.section["datasets"], list(input.regression))),
        params.section,
        {
            k: getattr(output, k)
            for k in (
                "datasets",
                "eigenvalues",
                "fig3",
                "accuracy",
                "accuracy_summary",
                "net_gap",
                "checks",
                "fig_pca",
                "fig_path",
                "fig_regression",
            )
        },
        log,
        config,
    )
