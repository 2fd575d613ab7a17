"""Stage ntk, rule ``ntk_depth``: the empirical NTK at initialisation vs its limit at every depth.

For each depth L in ``ntk.depth_sweep.depths`` (hidden layers, the ``ntk.net`` MLP otherwise) and
each width m in ``depth_sweep.widths``, S = ``depth_sweep.seeds`` initialisations (vmapped under one
jit per (L, m), ``ntk.empirical_parts``) give the empirical NTK K_m (N, N) on x_train of the
``ntk.dataset``; the limit K_inf is ``ntk_analytic.limit_kernels`` of the same net (float64).

Measured, per (L, m, seed):

- the relative Frobenius error e = ||K_m - K_inf||_F / ||K_inf||_F (the ``ntk_summary``
  quantity). Prediction: e ~ m^-1/2 at every fixed depth. At depth 1 this is the central limit
  theorem: the empirical NTK is an average of m i.i.d. terms, one per hidden unit. Deeper, a
  layer's units are i.i.d. only given the layer below; the same order follows from the
  fluctuations Hanin & Nica (2019, below) compute (relative variance of K(x,x) about 5 L/m for
  small L/m). Jacot et al. 2018 (Theorem 1) prove the convergence as m -> infinity without a rate;
  Arora et al. 2019 (Theorem 3.1) give a non-asymptotic bound of order m^-1/4 (error (L + 1) eps
  once every width is >= L^6 / eps^4 log(L / delta)), weaker than the rate tested. Check
  ``ntk_error_exponent_depth``: the exponent of each depth (mean of per-seed log-log slopes,
  t-interval over seeds) within -0.5 +- ``ntk.EXPONENT_TOLERANCE``; pass if every depth passes,
  fail if one fails, else inconclusive (``fits.combine_verdicts``).
- the diagonal K_m(x, x). Hanin & Nica (2019, "Finite depth and width corrections to the NTK",
  Theorem 1) show for ReLU nets without bias E[K(x,x)^2] / E[K(x,x)]^2 = exp(5 beta) (1 + O(...)),
  beta = sum_l 1/n_l = L / m: the fluctuations grow with depth at fixed width. We estimate the
  ratio r(L, m) = mean_x [1 + var_s K_s(x,x) / (mean_s K_s(x,x))^2] (over the S seeds, unbiased
  variance; all x of the circle are equivalent in law, the mean over x only averages noise) and
  report the constant c(L, m) = ln r / beta beside Hanin & Nica's 5, and one least-squares c over
  all (L, m) (line through the origin in (beta, ln r)), with a bootstrap interval over seeds.
  Report only, no check: their constant is asymptotic in large L and m; at depth 1-4 the O(1/m)
  terms that do not grow with L are of the same order, so c(L, m) need not be near 5.

Outputs: results/ntk/depth.npz (``errors`` (D, W, S), ``diag`` (D, W, S, N), ``depths``,
``widths``), results/tables/ntk_depth.csv (one row per (depth, width): mean error, log ratio, c),
results/tables/ntk_depth_exponent.csv (one row per depth: exponent and CI),
results/checks/ntk_depth.csv, results/figures/ntk/error_vs_width_depth.png.

Cost: sum over (L, m) of S (4 N P + 2 N^2 Sigma) flops (``cost_model``: the ntk_init formula per
depth and width), P = d m + (L - 1) m^2 + m; memory as ntk_init at the largest (L, m).
Randomness: keys of (L, m) are split from fold_in(fold_in(fold_in(PRNGKey(seed), DEPTH_SALT), L), m).
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import checks, io, provenance
from ..fits import combine_verdicts, fit_exponent
from ..models import MLPSpec
from ..precision import x64_context
from ..progress import get_logger
from .ntk import EXPONENT_TOLERANCE, PREDICTED_EXPONENT, empirical_parts, exponent_verdict

DEPTH_SALT = 17  # decorrelates these initialisations from ntk_init's (STAGE_SALT 3) and other stages
HANIN_NICA_C = 5.0  # E[K^2]/E[K]^2 = exp(5 L/m) for ReLU without bias (Hanin & Nica 2019, Thm 1)
N_BOOTSTRAP = 400


def depth_keys(seed: int, depth: int, width: int, n_seeds: int):
    import jax

    key = jax.random.fold_in(jax.random.PRNGKey(seed), DEPTH_SALT)
    key = jax.random.fold_in(jax.random.fold_in(key, depth), width)
    return jax.random.split(key, n_seeds)


def sweep(x: np.ndarray, net: dict, sweep_cfg: dict, seed: int, x64: bool, block_size=None, logger=None):
    """Errors (D, W, S) and diagonals (D, W, S, N) of the empirical NTK over depths x widths."""
    import jax.numpy as jnp

    from ..ntk_analytic import limit_kernels
    from ..ntk_empirical import relative_errors

    depths, widths, n_seeds = sweep_cfg["depths"], sweep_cfg["widths"], int(sweep_cfg["seeds"])
    errors = np.zeros((len(depths), len(widths), n_seeds))
    diag = np.zeros((len(depths), len(widths), n_seeds, x.shape[0]))
    for i, depth in enumerate(depths):
        section = {**net, "depth": int(depth)}
        with x64_context(True):
            limit = limit_kernels(MLPSpec.from_config(section, 1, x.shape[1]), jnp.asarray(x))
            ana = np.asarray(limit["parts"])
        for j, width in enumerate(widths):
            t0 = time.perf_counter()
            spec = MLPSpec.from_config(section, int(width), x.shape[1])
            with x64_context(x64):
                emp = empirical_parts(spec, x, depth_keys(seed, int(depth), int(width), n_seeds), block_size)
            errors[i, j] = relative_errors(emp, ana)[:, 0, 0]
            diag[i, j] = np.diagonal(emp.sum(1), axis1=-2, axis2=-1)
            if logger:
                logger.info(
                    f"depth {depth} width {width}: {n_seeds} seeds in {time.perf_counter() - t0:.2f}s, "
                    f"mean rel Frobenius error {errors[i, j].mean():.4g}"
                )
    return errors, diag


def log_moment_ratio(diag: np.ndarray) -> np.ndarray:
    """ln of mean_x [1 + Var_s K(x,x) / (E_s K(x,x))^2] = ln E[K^2]/E[K]^2, the variance over the S
    seeds with ddof = 1 (unbiased; the plug-in E_s K^2 would be low by (S-1)/S): (..., S, N) -> (...)."""
    d = np.asarray(diag, dtype=np.float64)
    return np.log(np.mean(1.0 + d.var(axis=-2, ddof=1) / d.mean(-2) ** 2, axis=-1))


def hanin_nica_fit(depths, widths, diag: np.ndarray, seed: int = 0) -> dict:
    """Least-squares c in ln r = c beta (beta = L / m) over every (L, m), with a bootstrap 95%
    interval over seeds (the same resampled seeds for every (L, m) of one replicate)."""
    beta = np.asarray(depths, float)[:, None] / np.asarray(widths, float)[None, :]
    lr = log_moment_ratio(diag)

    def fit(values):
        return float((beta * values).sum() / (beta**2).sum())

    rng = np.random.default_rng(seed)
    s = diag.shape[-2]
    boot = [fit(log_moment_ratio(diag[..., rng.integers(0, s, s), :])) for _ in range(N_BOOTSTRAP)]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return {"c": fit(lr), "ci_low": float(lo), "ci_high": float(hi), "beta": beta, "log_ratio": lr}


def tables(depths, widths, errors: np.ndarray, log_ratio: np.ndarray, ci: float):
    """(per-(depth, width) table, per-depth exponent table); ``log_ratio`` (D, W) from
    ``log_moment_ratio`` (``hanin_nica_fit``'s ``log_ratio``)."""
    import pandas as pd

    lr = log_ratio
    rows = []
    for i, depth in enumerate(depths):
        for j, width in enumerate(widths):
            beta = depth / width
            rows.append(
                {
                    "depth": int(depth),
                    "width": int(width),
                    "n_seeds": errors.shape[-1],
                    "rel_frobenius_mean": float(errors[i, j].mean()),
                    "rel_frobenius_sd": float(errors[i, j].std(ddof=1)) if errors.shape[-1] > 1 else math.nan,
                    "beta": beta,
                    "log_moment_ratio": float(lr[i, j]),
                    "c_measured": float(lr[i, j] / beta),
                    "c_hanin_nica": HANIN_NICA_C,
                }
            )
    exps = []
    for i, depth in enumerate(depths):
        fit = fit_exponent(widths, errors[i].T, ci)
        exps.append(
            {
                "depth": int(depth),
                "exponent": fit["exponent"],
                "ci_low": fit["ci_low"],
                "ci_high": fit["ci_high"],
                "se": fit["se"],
                "n_seeds": fit["n_seeds"],
                "width_min": int(min(widths)),
                "width_max": int(max(widths)),
                "prediction": PREDICTED_EXPONENT,
                "verdict": exponent_verdict(fit["ci_low"], fit["ci_high"]),
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(exps)


def depth_check(exps, hn: dict, ci: float) -> checks.Check:
    """``ntk_error_exponent_depth`` from the per-depth exponent table."""
    dev = (exps["exponent"] - PREDICTED_EXPONENT).abs()
    worst = exps.loc[dev.idxmax()] if dev.notna().any() else exps.iloc[0]
    per_depth = "; ".join(
        f"depth {r.depth}: {r.exponent:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] {r.verdict}"
        for r in exps.itertuples()
    )
    return checks.Check(
        check="ntk_error_exponent_depth",
        stage="ntk",
        prediction="at every depth, the relative Frobenius error of the empirical NTK vs its limit "
        "decays like m^-1/2",
        measured=float(worst.exponent),
        ci_low=float(worst.ci_low),
        ci_high=float(worst.ci_high),
        interval=f"{ci:.0%} t-interval over {int(worst.n_seeds)} seeds of the per-seed log-log slope, at the "
        f"depth farthest from -0.5 (depth {int(worst.depth)}; widths {int(worst.width_min)}.."
        f"{int(worst.width_max)})",
        tolerance=f"|exponent - ({PREDICTED_EXPONENT})| <= {EXPONENT_TOLERANCE} at every depth "
        f"(whole {ci:.0%} CI)",
        verdict=combine_verdicts(exps["verdict"]),
        figure="ntk/error_vs_width_depth.png",
        detail=f"measured = the depth farthest from -0.5 (depth {int(worst.depth)}); widths "
        f"{int(worst.width_min)}..{int(worst.width_max)}, {int(worst.n_seeds)} seeds; {per_depth}. "
        "Source: the central limit theorem over the m i.i.d. hidden units (at depth 1 the empirical NTK "
        "is an average of m i.i.d. terms; deeper, the relative variance ~5 L/m of Hanin & Nica 2019); "
        "Jacot et al. 2018 (Theorem 1) prove the limit at every depth without a rate, Arora et al. "
        "2019 (Theorem 3.1) a finite-width bound of order m^-1/4. Report only: Hanin & Nica 2019 predict "
        "ln(E[K(x,x)^2]/E[K(x,x)]^2) = "
        f"{HANIN_NICA_C:g} L/m for large L and m; fitted constant {hn['c']:.2f} "
        f"[{hn['ci_low']:.2f}, {hn['ci_high']:.2f}] (bootstrap over seeds) at depths "
        f"{int(exps['depth'].min())}-{int(exps['depth'].max())}",
    )


def run(
    data_path: str,
    section: dict,
    seed: int,
    x64: bool,
    out_npz: str,
    out_table: str,
    out_exponents: str,
    out_checks: str,
    out_fig: str,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Rule ntk_depth: the sweep, its tables, the check and the figure."""
    from . import ntk_plots

    logger = get_logger("ntk.depth", log)
    sw = section["depth_sweep"]
    x = np.asarray(io.load_npz(data_path, required=("x_train",))["x_train"])
    errors, diag = sweep(x, section["net"], sw, seed, x64, section["block_size"], logger)
    meta = provenance.metadata(section, rule="ntk_depth", seed=seed, x64=x64, full_config=config)
    depths, widths = [int(d) for d in sw["depths"]], [int(w) for w in sw["widths"]]
    io.save_npz(
        out_npz,
        {"errors": errors, "diag": diag, "depths": np.array(depths), "widths": np.array(widths)},
        meta=meta,
    )
    hn = hanin_nica_fit(depths, widths, diag, seed)
    table, exps = tables(depths, widths, errors, hn["log_ratio"], section["ci"])
    io.save_table(out_table, table, meta=meta, markdown=True)
    io.save_table(out_exponents, exps, meta=meta, markdown=True)
    check = depth_check(exps, hn, section["ci"])
    checks.write_checks(out_checks, [check], meta=meta)
    ntk_plots.error_vs_width_depth(
        depths, widths, errors, exps, hn, HANIN_NICA_C, out_fig, meta, section["ci"]
    )
    logger.info(f"Hanin-Nica constant: fitted {hn['c']:.3f} [{hn['ci_low']:.3f}, {hn['ci_high']:.3f}]")
    checks.log_check(logger, check)
    return {"errors": errors, "diag": diag, "table": table, "exponents": exps, "hanin_nica": hn}


def rule_depth(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``ntk_depth`` -> ``run``."""
    run(
        input.data,
        params.section,
        params.seed,
        params.x64,
        output.npz,
        output.table,
        output.exponents,
        output.checks,
        output.fig,
        log,
        config,
    )
