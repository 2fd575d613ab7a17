"""Stage spectra: the eigenvalues of the limiting NTK / NNGP on the sphere (spectral bias), their
validation on Gram matrices, and the learning time of each frequency. This module holds the rule
entry points, the theory checks and the summary; each experiment lives in its own module:

- ``spectra_analytic`` (rule ``spectra_analytic`` -> results/spectra/analytic.npz): Funk-Hecke
  eigenvalues of every (d, depth, bias, kernel) with their per-degree quadrature error, the
  asymptotic decay exponents (``decay_asymptote``), the circle validation; checks
  sphere_decay_exponent, depth_same_decay (predictions), sphere_odd_zero, circle_matches_exact
  (identities).
- ``spectra_gram`` (rule ``spectra_gram`` -> results/spectra/gram.npz): Gram / N eigenvalues on
  uniform random points vs mu_k and the predicted size N E[err^2] = C_d^2; check gram_matches_analytic.
- ``spectra_learning`` (rule ``spectra_learning`` -> results/spectra/learning.npz): GD of a wide ReLU
  net with bias on the circle, the e-fold step of each harmonic; check learning_time_exponent.
- ``spectra_common``: the nets, quadrature settings, config consistency, figure names.
- rule ``spectra_summary`` (``summarize``): tables, checks, figures (``spectra_plots``).

Tables: results/tables/spectra_eigenvalues.csv (d, depth, bias, kernel, k, mu, mu_rel = mu / mu_0,
multiplicity, mu_err = the per-degree quadrature error estimate, quad_err = its max / mu_0),
spectra_exponents.csv (d, depth, bias, kernel, parity, k_lo, k_hi, exponent = the extrapolated
asymptotic exponent with ci_low / ci_high its error bound, truncation, quadrature, window_slope = the
plain log-log slope over the same degrees, prediction: -d for the NTK, -d - 2 for the NNGP),
spectra_gram.csv (d, n_points, seed, n_top, err, err_sqrt_n, constant = C_d, rho = N err^2 / C_d^2),
spectra_learning.csv (seed, k, rate, time, time_efold, rate_pred, time_pred, status, ...).

Checks (results/checks/spectra.csv): sphere_decay_exponent, depth_same_decay, gram_matches_analytic,
learning_time_exponent (predictions under the verdict rule), sphere_odd_zero, circle_matches_exact
(identities, kind "identity").
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import io, provenance, sphere_spectrum
from ..checks import Check, log_check, write_checks
from ..decay_asymptote import fit_degrees
from ..progress import get_logger
from . import spectra_analytic, spectra_gram, spectra_learning
from .spectra_common import check_section, net_spec, quad_kwargs

GRAM_CALIBRATION = (
    "RMS error within 0.71..1.22 times the predicted size; the residual bias of the prediction, "
    "measured with 16-200 independent point sets (master seed 99, default net), mean rho - 1: d = 2: "
    "+0.06 +- 0.11 (N = 400), -0.01 +- 0.23 (N = 1600) (-0.22 at N = 100: the second-order term "
    "overshoots, hence fit_n_min = 400); d = 3: +0.06 +- 0.24 (400), -0.06 +- 0.21 (800); d = 5, 6: "
    "|rho - 1| <= 0.12 at N = 100..1600"
)


def theory_checks(ana: dict, gram: dict, lrn: dict, section: dict) -> list[Check]:
    dims = [int(d) for d in ana["dims"]]
    depths = [int(d) for d in ana["depths"]]
    mu = ana["mu"]
    dec = section["decay"]
    j1 = depths.index(1) if 1 in depths else 0
    fits = spectra_analytic.decay_fits(ana, dec)
    ls, gs = section["learning"], section["gram"]
    return [
        spectra_analytic.check_decay_exponent(
            dims,
            [fits[i][j1] for i in range(len(dims))],
            dec,
            [
                spectra_analytic.window_slope(mu[i, j1, 0, 0], fit_degrees(int(ana["k"][-1]), dec["window"]))
                for i in range(len(dims))
            ],
        ),
        spectra_analytic.check_odd_zero(
            dims,
            [mu[i, j1, 0, 0] for i in range(len(dims))],
            [mu[i, j1, 1, 0] for i in range(len(dims))],
            section["odd_zero_tol"],
            section["odd_ratio_min"],
            section["odd_ratio_k_max"],
            float(ana["accuracy"].max()),
        ),
        spectra_analytic.check_depth_decay(dims, depths, fits, dec),
        spectra_gram.check_gram(
            gram["dims"],
            gram["n_points"],
            gram["err"],
            gram["constant"],
            gram["second_order"],
            gram["n_top"],
            gs,
            section["ci"],
            GRAM_CALIBRATION,
        ),
        spectra_analytic.check_circle(
            ana["circle_exact"], ana["circle_funk"], int(ana["circle_points"]), section["circle_tol"]
        ),
        spectra_learning.check_learning(
            lrn["harmonics"],
            lrn["time_efold"],
            lrn["time_pred"],
            ls["fit_k_min"],
            ls["slope_tol"],
            section["ci"],
            ls["width"],
            ls["steps"],
            float(np.max(lrn["k_drift_op"])) if "k_drift_op" in lrn else math.nan,
            spectra_learning.harmonic_drift(lrn, ls["fit_k_min"]),
        ),
    ]


# --- rule entry points --------------------------------------------------------------------------


def analytic(section: dict, out: str, log: str | None = None, config: dict | None = None) -> dict:
    """Rule spectra_analytic."""
    logger = get_logger("spectra.analytic", log)
    check_section(section)
    t0 = time.perf_counter()
    arrays = spectra_analytic.analytic_spectra(section, logger)
    io.save_npz(out, arrays, meta=provenance.metadata(section, rule="spectra_analytic", full_config=config))
    logger.info(
        f"analytic spectra in {time.perf_counter() - t0:.1f}s; max quadrature error estimate "
        f"{arrays['accuracy'].max():.2e} of mu_0; circle: max abs(Funk-Hecke - exact) "
        f"{np.abs(arrays['circle_funk'] - arrays['circle_exact']).max():.2e}"
    )
    return arrays


def gram(
    analytic_path: str, section: dict, seed: int, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule spectra_gram."""
    logger = get_logger("spectra.gram", log)
    ana = io.load_npz(analytic_path, required=("dims", "depths", "mu"))
    depths = [int(d) for d in ana["depths"]]
    j1 = depths.index(1) if 1 in depths else None
    mu_by_dim = {}
    for i, d in enumerate(ana["dims"]):
        mu_by_dim[int(d)] = (
            ana["mu"][i, j1, 0, 0]
            if j1 is not None
            else sphere_spectrum.mlp_spectrum(
                net_spec(section, 1, False, int(d)), int(section["k_max"]), **quad_kwargs(section)
            )
        )
    t0 = time.perf_counter()
    arrays = spectra_gram.gram_errors(section, mu_by_dim, seed, logger)
    io.save_npz(
        out, arrays, meta=provenance.metadata(section, rule="spectra_gram", seed=seed, full_config=config)
    )
    logger.info(f"Gram spectra in {time.perf_counter() - t0:.1f}s")
    return arrays


def learning(
    section: dict, seed: int, x64: bool, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule spectra_learning."""
    logger = get_logger("spectra.learning", log)
    check_section(section)
    x64 = bool(x64 or section["learning"]["x64"])
    arrays = spectra_learning.train_circle(section, seed, x64, logger)
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(section, rule="spectra_learning", seed=seed, x64=x64, full_config=config),
    )
    return arrays


def summarize(
    analytic_path: str,
    gram_path: str,
    learning_path: str,
    section: dict,
    outputs: dict,
    log: str | None = None,
    config: dict | None = None,
) -> list[Check]:
    """Rule spectra_summary: tables, checks, figures. ``outputs``: eigenvalues, exponents, gram,
    learning (tables), checks, fig_decay, fig_gram, fig_learning (paths)."""
    from . import spectra_plots

    logger = get_logger("spectra.summary", log)
    ana = io.load_npz(
        analytic_path,
        required=(
            "dims",
            "depths",
            "k",
            "mu",
            "mu_err",
            "accuracy",
            "mult",
            "circle_exact",
            "circle_funk",
            "circle_points",
        ),
    )
    grm = io.load_npz(
        gram_path,
        required=("dims", "n_points", "err", "top", "analytic_top", "n_top", "constant", "second_order"),
    )
    lrn = io.load_npz(
        learning_path,
        required=(
            "harmonics",
            "steps",
            "r",
            "rate",
            "time",
            "time_efold",
            "rate_pred",
            "time_pred",
            "lambda_inf",
            "eta",
            "status",
        ),
    )
    meta = provenance.metadata(section, rule="spectra_summary", full_config=config)
    io.save_table(outputs["eigenvalues"], spectra_analytic.eigenvalue_table(ana), meta=meta)
    exps = spectra_analytic.exponent_table(ana, section["decay"])
    io.save_table(outputs["exponents"], exps, meta=meta, markdown=True)
    io.save_table(outputs["gram"], spectra_gram.gram_table(grm), meta=meta, markdown=True)
    io.save_table(outputs["learning"], spectra_learning.learning_table(lrn), meta=meta, markdown=True)
    cks = theory_checks(ana, grm, lrn, section)
    write_checks(outputs["checks"], cks, meta=meta)
    spectra_plots.decay(ana, section, outputs["fig_decay"], meta)
    spectra_plots.gram(ana, grm, outputs["fig_gram"], meta)
    spectra_plots.learning_time(lrn, section, outputs["fig_learning"], meta)
    for c in cks:
        log_check(logger, c)
    return cks


def rule_analytic(*, input, output, params, wildcards, log, config):
    analytic(params.section, output.npz, log, config)


def rule_gram(*, input, output, params, wildcards, log, config):
    gram(input.analytic, params.section, params.seed, output.npz, log, config)


def rule_learning(*, input, output, params, wildcards, log, config):
    learning(params.section, params.seed, params.x64, output.npz, log, config)


def rule_summary(*, input, output, params, wildcards, log, config):
    outs = {
        k: getattr(output, k)
        for k in (
            "eigenvalues",
            "exponents",
            "gram",
            "learning",
            "checks",
            "fig_decay",
            "fig_gram",
            "fig_learning",
        )
    }
    summarize(input.analytic, input.gram, input.learning, params.section, outs, log, config)
