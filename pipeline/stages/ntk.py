"""Stage ntk: the empirical NTK at initialisation against its infinite-width limit, over widths.

Rules (workflow/rules/ntk.smk):

- ``ntk_analytic`` -> ``analytic``: results/ntk/analytic.npz with our closed-form limit
  (``ntk_analytic.limit_kernels``, float64) of the configured net on x_train of the configured data
  set: ``x`` (N, d), ``parts`` (L+1, N, N), ``ntk``, ``nngp`` (N, N), and neural-tangents' kernels
  ``nt_ntk``, ``nt_nngp`` (float64) with ``nt_max_rel_err`` (max |ours - nt| / max |nt|).
- ``ntk_init`` (wildcard ``width``) -> ``init_width``: results/ntk/init_w<width>.npz. All seeds of
  one width run in ONE job, vmapped under jit (one process start per width instead of one per
  (width, seed): at the default sizes a job is ~1 s of compute and ~2 s of start-up). Arrays:
  ``errors`` (S, P, 2) = relative Frobenius and spectral errors ||K_m - K||/||K|| of seed s and
  part p (p = 0: the full K, then the layers' parts), ``kernels`` (P, N, N) of seed 0, ``width``.
- ``ntk_summary`` -> ``summarize``: the tables, the theory checks and the figures below.
- ``ntk_activations`` (``ntk_activations.rule_activations``): the same error exponent for the net
  with each activation of ``ntk.activations.names`` (tanh, gelu by default), analytic limits by
  closed form or Gauss-Hermite quadrature; checks ``ntk_error_exponent_<activation>``.
- ``ntk_depth`` (``ntk_depth.rule_depth``): the error at every depth of ``ntk.depth_sweep``.

Outputs of ``summarize``:

- results/tables/ntk_error.csv (+ .md), one row per (width, seed, part): dataset, n_points, depth,
  activation, width, seed, part, rel_frobenius, rel_spectral.
- results/tables/ntk_error_exponent.csv (+ .md), one row per (part, norm): part, norm
  (frobenius | spectral), exponent (mean over seeds of the per-seed least-squares slope of
  log error vs log width), ci_low, ci_high (t-interval at ``ci`` over seeds), se, n_seeds,
  n_widths, width_min, width_max, prediction (-0.5).
- results/checks/ntk.csv: ``ntk_error_exponent`` (a prediction: relative Frobenius error of
  K ~ m^-1/2, the central limit theorem over the m i.i.d. hidden units of a one-hidden-layer net;
  passes when |exponent + 0.5| <= 0.05) and ``analytic_matches_nt`` (an identity: our closed form
  vs neural-tangents' kernel_fn in float64, max relative error <= 1e-5).
- results/figures/ntk/error_vs_width.png and kernel_heatmaps.png (``ntk_plots``).

Part names: "K" (the full kernel); for depth 1 "K_a" (first layer, K^(a)) and "K_b" (read-out,
K^(b)); for deeper nets "K_1" .. "K_{L+1}" (layer l's weights and bias).
Randomness: the keys of width m are split from fold_in(fold_in(PRNGKey(seed), STAGE_SALT), m), so
every (width, seed) draw is independent and the same config gives identical numbers.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import checks, io, provenance
from ..fits import fit_exponent, verdict_from_ci
from ..models import MLPSpec
from ..precision import x64_context
from ..progress import get_logger

STAGE_SALT = 3  # decorrelates this stage's initialisations from other stages using the same seed
PREDICTED_EXPONENT = -0.5
EXPONENT_TOLERANCE = 0.05
NT_TOLERANCE = 1e-5
MEMORY_BUDGET = 512 * 2**20  # bytes of signals + kernels per vmapped batch of seeds


def exponent_verdict(ci_low: float, ci_high: float) -> str:
    """Verdict of a fitted error exponent's CI against -0.5 +- EXPONENT_TOLERANCE (every depth)."""
    return verdict_from_ci(
        ci_low, ci_high, PREDICTED_EXPONENT - EXPONENT_TOLERANCE, PREDICTED_EXPONENT + EXPONENT_TOLERANCE
    )


def part_names(depth: int) -> list[str]:
    """Names of the full kernel and the per-layer parts, in the order of ``errors``' axis 1."""
    layers = ["K_a", "K_b"] if depth == 1 else [f"K_{l}" for l in range(1, depth + 2)]
    return ["K"] + layers


def init_keys(seed: int, width: int, n_seeds: int):
    import jax

    key = jax.random.fold_in(jax.random.fold_in(jax.random.PRNGKey(seed), STAGE_SALT), width)
    return jax.random.split(key, n_seeds)


def empirical_parts(spec, x: np.ndarray, keys, block_size: int | None = None) -> np.ndarray:
    """Empirical per-layer NTK parts of one init per key: (S, L+1, N, N), in JAX's default dtype.

    Seeds are vmapped under one jit, in batches that keep parameters + signals + kernels under
    MEMORY_BUDGET. ``block_size``: tile size of ``ntk_empirical.ntk_parts`` (None: "auto").
    """
    import jax
    import jax.numpy as jnp

    from ..models import init_params
    from ..ntk_empirical import ntk_parts

    xj = jnp.asarray(x, dtype=jnp.zeros(()).dtype)
    n = xj.shape[0]
    block = "auto" if block_size is None else block_size
    itemsize = xj.dtype.itemsize
    n_params = sum(a * b for a, b in zip(spec.fan_ins, spec.fan_outs))
    per_seed = itemsize * (n_params + (spec.depth + 1) * (2 * n * spec.width + n * n))
    batch = int(max(1, min(len(keys), MEMORY_BUDGET // per_seed)))

    def one(key):
        return ntk_parts(init_params(key, spec, xj.dtype), xj, spec, block_size=block)

    run = jax.jit(lambda ks: jax.lax.map(one, ks, batch_size=batch))
    return np.asarray(run(keys))


# --- rule entry points ------------------------------------------------------------------------


def analytic(
    data_path: str, section: dict, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule ntk_analytic: our closed-form limit kernels (float64) and neural-tangents' for comparison."""
    import jax.numpy as jnp

    from ..ntk_analytic import limit_kernels, nt_kernels

    logger = get_logger("ntk.analytic", log)
    data = io.load_npz(data_path, required=("x_train",))
    x = np.asarray(data["x_train"], dtype=np.float64)
    spec = MLPSpec.from_config(section["net"], 1, x.shape[1])
    t0 = time.perf_counter()
    with x64_context(True):
        ours = {k: np.asarray(v) for k, v in limit_kernels(spec, jnp.asarray(x)).items()}
        arrays = {"x": x, **ours}
        try:
            ref = nt_kernels(spec, jnp.asarray(x))
            arrays["nt_ntk"], arrays["nt_nngp"] = np.asarray(ref["ntk"]), np.asarray(ref["nngp"])
            err = max(
                float(np.abs(ours[k] - arrays[f"nt_{k}"]).max() / np.abs(arrays[f"nt_{k}"]).max())
                for k in ("ntk", "nngp")
            )
        except ImportError as e:  # another jax: our closed form still works, the comparison not
            logger.warning(f"neural-tangents unavailable, analytic_matches_nt not measured: {e}")
            err = math.nan
    if "gamma_train" in data:
        arrays["gamma"] = np.asarray(data["gamma_train"], dtype=np.float64)
    arrays["nt_max_rel_err"] = np.float64(err)
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(section, rule="ntk_analytic", data=data_path, full_config=config),
    )
    logger.info(
        f"analytic kernels of {spec} on N={x.shape[0]} points in {time.perf_counter() - t0:.2f}s; "
        f"max rel err vs neural-tangents {err:.3g}"
    )
    return arrays


def init_width(
    width: int,
    data_path: str,
    analytic_path: str,
    section: dict,
    seed: int,
    x64: bool,
    out: str,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Rule ntk_init: errors of the empirical NTK at ``width`` for all seeds (vmapped)."""
    from ..ntk_empirical import relative_errors

    logger = get_logger(f"ntk.init_w{width}", log)
    ana = io.load_npz(analytic_path, required=("x", "parts"))
    x = io.load_npz(data_path, required=("x_train",))["x_train"]
    if x.shape != ana["x"].shape or not np.allclose(x, ana["x"]):
        raise io.CorruptFileError(
            f"{analytic_path}: computed on other inputs than {data_path}; delete it and rerun"
        )
    spec = MLPSpec.from_config(section["net"], width, x.shape[1])
    t0 = time.perf_counter()
    with x64_context(x64):
        emp = empirical_parts(spec, x, init_keys(seed, int(width), section["seeds"]), section["block_size"])
    t_emp = time.perf_counter() - t0
    errors = relative_errors(emp, ana["parts"])  # (S, P, 2)
    kernels = np.concatenate([emp[0].sum(0, keepdims=True), emp[0]], axis=0)
    arrays = {
        "width": np.int64(width),
        "errors": errors,
        "kernels": kernels,
        "part_names": np.array(part_names(spec.depth)),
    }
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(
            section, rule="ntk_init", width=int(width), seed=seed, x64=x64, full_config=config
        ),
    )
    mean = errors.mean(0)
    logger.info(
        f"width {width}: {section['seeds']} seeds, N={x.shape[0]}, {t_emp:.2f}s (incl. jit); mean rel "
        + ", ".join(
            f"{p} fro={mean[i, 0]:.3g} spec={mean[i, 1]:.3g}" for i, p in enumerate(part_names(spec.depth))
        )
    )
    return arrays


def error_table(widths, errors: np.ndarray, names, section: dict, n_points: int):
    """Tidy table from errors (n_widths, S, P, 2): one row per (width, seed, part)."""
    import pandas as pd

    rows = []
    for i, w in enumerate(widths):
        for s in range(errors.shape[1]):
            for p, name in enumerate(names):
                rows.append(
                    {
                        "dataset": section["dataset"],
                        "n_points": n_points,
                        "depth": section["net"]["depth"],
                        "activation": section["net"]["activation"],
                        "width": int(w),
                        "seed": s,
                        "part": name,
                        "rel_frobenius": errors[i, s, p, 0],
                        "rel_spectral": errors[i, s, p, 1],
                    }
                )
    return pd.DataFrame(rows)


def exponent_table(widths, errors: np.ndarray, names, ci: float):
    """One row per (part, norm) with the fitted exponent and its CI over seeds."""
    import pandas as pd

    rows = []
    for p, name in enumerate(names):
        for k, norm in enumerate(("frobenius", "spectral")):
            fit = fit_exponent(widths, errors[:, :, p, k].T, ci)
            rows.append(
                {
                    "part": name,
                    "norm": norm,
                    "exponent": fit["exponent"],
                    "ci_low": fit["ci_low"],
                    "ci_high": fit["ci_high"],
                    "se": fit["se"],
                    "n_seeds": errors.shape[1],
                    "n_widths": len(widths),
                    "width_min": int(min(widths)),
                    "width_max": int(max(widths)),
                    "prediction": PREDICTED_EXPONENT,
                }
            )
    return pd.DataFrame(rows)


def theory_checks(exps, nt_err: float, ci: float) -> list:
    """The stage's checks from the exponent table and the analytic-vs-neural-tangents error."""
    full = exps[(exps["part"] == "K") & (exps["norm"] == "frobenius")].iloc[0]
    others = "; ".join(
        f"{r.part} {r.norm}: {r.exponent:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]"
        for r in exps.itertuples()
        if not (r.part == "K" and r.norm == "frobenius")
    )
    return [
        checks.Check(
            check="ntk_error_exponent",
            stage="ntk",
            prediction="relative Frobenius error of the empirical NTK K vs its limit decays like m^-1/2 "
            "(central limit theorem over the m hidden units)",
            measured=full.exponent,
            ci_low=full.ci_low,
            ci_high=full.ci_high,
            interval=f"{ci:.0%} t-interval over {int(full.n_seeds)} seeds of the per-seed log-log slope "
            f"(widths {int(full.width_min)}..{int(full.width_max)})",
            tolerance=f"|exponent - ({PREDICTED_EXPONENT})| <= {EXPONENT_TOLERANCE} (whole {ci:.0%} CI)",
            verdict=exponent_verdict(full.ci_low, full.ci_high),
            figure="ntk/error_vs_width.png",
            detail=f"mean of per-seed log-log slopes over widths {full.width_min}..{full.width_max}, "
            f"{full.n_seeds} seeds, {ci:.0%} t-interval; pass when the whole interval lies within the "
            f"tolerance, fail when it lies outside, else inconclusive. Source: the rate is the central "
            "limit theorem: for one hidden layer the empirical NTK is an average of m i.i.d. terms, one "
            "per hidden unit, so its deviation from the mean is O(m^-1/2); Jacot et al. 2018 (Theorem 1) "
            "prove the convergence as m -> infinity without a rate, and Arora et al. 2019 (Theorem 3.1) "
            f"give a non-asymptotic finite-width bound, weaker than this rate (order m^-1/4); {others}",
        ),
        checks.Check(
            check="analytic_matches_nt",
            stage="ntk",
            kind="identity",
            prediction="our closed-form NNGP and NTK recursion equals neural-tangents' stax kernel_fn",
            measured=nt_err,
            tolerance=f"max |ours - nt| / max |nt| <= {NT_TOLERANCE:g} (float64)",
            passed=bool(np.isfinite(nt_err) and nt_err <= NT_TOLERANCE),
            figure="ntk/kernel_heatmaps.png",
            detail=(
                "neural-tangents unavailable in this environment (needs the pinned jax)"
                if not np.isfinite(nt_err)
                else "NTK and NNGP on the stage's inputs; neural-tangents' arccos on the diagonal "
                "carries a ~sqrt(eps) rounding error, ours is exact there"
            ),
        ),
    ]


def summarize(
    init_paths: list[str],
    analytic_path: str,
    section: dict,
    out_table: str,
    out_exponents: str,
    out_checks: str,
    out_fig_error: str,
    out_fig_heatmaps: str,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Rule ntk_summary: tables, theory checks and figures from all widths."""
    from . import ntk_plots

    logger = get_logger("ntk.summary", log)
    runs = sorted(
        (io.load_npz(p, required=("width", "errors", "kernels", "part_names")) for p in init_paths),
        key=lambda r: int(r["width"]),
    )
    widths = [int(r["width"]) for r in runs]
    if sorted(set(widths)) != sorted(int(w) for w in section["widths"]):
        raise io.CorruptFileError(f"ntk_init outputs hold widths {widths}, config wants {section['widths']}")
    errors = np.stack([r["errors"] for r in runs])  # (W, S, P, 2)
    names = [str(n) for n in runs[0]["part_names"]]
    ana = io.load_npz(analytic_path, required=("x", "parts", "nt_max_rel_err"))
    meta = provenance.metadata(section, rule="ntk_summary", full_config=config)

    table = error_table(widths, errors, names, section, ana["x"].shape[0])
    io.save_table(out_table, table, meta=meta, markdown=True)
    exps = exponent_table(widths, errors, names, section["ci"])
    io.save_table(out_exponents, exps, meta=meta, markdown=True)
    cks = theory_checks(exps, float(ana["nt_max_rel_err"]), section["ci"])
    checks.write_checks(out_checks, cks, meta=meta)

    small, large = section["heatmap_widths"] or (min(widths), max(widths))
    by_width = {int(r["width"]): r["kernels"] for r in runs}
    ntk_plots.error_vs_width(widths, errors, names, exps, out_fig_error, meta, section["ci"])
    ntk_plots.kernel_heatmaps(
        ana, {small: by_width[small], large: by_width[large]}, names, out_fig_heatmaps, meta
    )
    for c in cks:
        checks.log_check(logger, c)
    return {"table": table, "exponents": exps, "checks": cks}


# --- rule entries (workflow/scripts/*.py: run_rule(rule_<name>, snakemake)) ----------------------


def rule_analytic(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``ntk_analytic`` -> ``analytic``."""
    analytic(input.data, params.section, output.npz, log, config)


def rule_init(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``ntk_init`` -> ``init_width``."""
    init_width(
        int(wildcards.width),
        input.data,
        input.analytic,
        params.section,
        params.seed,
        params.x64,
        output.npz,
        log,
        config,
    )


def rule_summary(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``ntk_summary`` -> ``summarize``."""
    summarize(
        list(input.inits),
        input.analytic,
        params.section,
        output.table,
        output.exponents,
        output.checks,
        output.fig_error,
        output.fig_heatmaps,
        log,
        config,
    )
