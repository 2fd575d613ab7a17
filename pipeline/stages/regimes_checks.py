"""Stage regimes: the theory checks, pure functions of the measured arrays (tests call them on
synthetic numbers). Every prediction follows the verdict rule (CONTRIBUTING.md): a predicted value
with its source, an estimate with a t-interval over seeds, a tolerance justified in the detail, and
its power (the nearest alternative that fails).

Checks (id: predicted value; estimate; tolerance):

- ``alpha_lazy_exponent``: d log w_rel / d log alpha = -1 (Chizat, Oyallon & Bach 2019: in the lazy
  limit alpha (w_T - w0) tends to the displacement of the linearised model, which does not depend on
  alpha); the per-seed log-log slope over the lazy alphas only (mean relative kernel change k_rel <=
  ``lazy_max_kernel_change``) and over converged runs only (train loss <= ``converge_fraction`` x the
  initial loss; the others are left out); tolerance ``ALPHA_TOL`` = 0.1: the trajectory's first-order
  deviation from the linearised one is of the order of the relative kernel change along it, so the
  local slope deviates from -1 by about k_rel <= 0.1.
- ``ntk_feature_exponent`` / ``mup_feature_exponent`` / ``standard_feature_exponent``: d log h_rel /
  d log width = -1/2 (NTK: per-unit pre-activation change O(eta m^-1/2)), 0 (muP: O(1)), -3/2
  (standard with eta ~ 1/m: O(eta m^-1/2) = O(m^-3/2)) (Yang & Hu 2021, Tensor Programs IV, Sec. 3 and
  Table 1; the standard check only when ``standard_lr`` is inverse_width). NTK and standard are fitted
  over their lazy widths (mean h_rel <= ``lazy_max_feature_change``: the relative correction to a
  lazy change is of the order of the change itself, so the slope's bias is <= 0.1); muP over every
  width (its corrections are O(m^-1/2) relative: ``width_bias_bound``). ``FEATURE_TOL`` = 0.1. muP
  also needs a size (``feature_size``): its h_rel at the widest width m1 above (m0 / m1)^(1/4) times
  the NTK net's at the smallest width m0 over the whole t-interval (the geometric midpoint between
  Theta(1) learning and a lazy m^-1/2 decay); a flat slope of almost nothing fails.
- ``mup_coord_check``: the slope of log mean|z| vs log width at the last step = 0 for every
  pre-activation and the output, every optimiser (Tensor Programs V; microsoft/mup coord_check);
  ``COORD_TOL`` = 0.1 = the largest slope that O(m^-1/2) relative corrections with the coefficient
  measured on the muP curves (``width_bias_bound``: seed CV x sqrt(m) up to ~3.3 at 2^7..2^10) give.
  One verdict over the curves (``fits.combine_verdicts``).
- ``mup_lr_transfer``: the slope of the optimal log2 learning rate vs log2 width = 0 under muP (Tensor
  Programs V, Fig. 1), with a positive control: the standard parameterisation's slope (Adam: -1).
  The loss per run is the minibatch loss averaged over the last quarter of the steps (capped at
  ln 10); the optimum per width is the vertex of a local least-squares parabola in log loss around
  the seed-mean curve's grid argmin (``optima_log2_lr``; an argmin on the grid's edge is censored);
  the interval a percentile bootstrap over seeds (resampled per width) of the slope
  (``lr_optimum_slope``). ``LR_TOL`` = 1/3: one octave of drift over three octaves of width. Pass
  only if muP's interval lies inside [-1/3, 1/3] AND the standard parameterisation's lies below -1/3;
  fail if muP's lies wholly outside; otherwise (and when censored) inconclusive
  (``lr_transfer_verdict``).
- ``rich_beats_lazy``: the paired test-loss difference (smallest tau minus largest tau) < 0
  (Chizat et al. 2019, Fig. 3): a sign, because the theory gives no value for the rich regime's
  test loss; t-interval over trials, which must clear 0 by more than float32 resolution
  (``RICH_RESOLUTION`` x the mean loss): equal losses are inconclusive.
- ``mup_is_standard_at_base_width`` (identity): at the base width (r = 1) muP is exactly the
  standard parameterisation (Tensor Programs V, Table 8): the same draws and steps give the same
  numbers in the width sweep and the learning-rate transfer (relative difference <= 1e-6).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..checks import Check, prediction_check
from ..fits import combine_verdicts, fit_exponent, mean_ci, verdict_from_ci
from .regimes_common import STAGE
from .regimes_lr_check import (  # noqa: F401  (the lr-transfer check lives in its own module)
    LR_BOOTSTRAP,
    LR_FIT_CLIP,
    LR_FIT_HALF_WINDOW,
    LR_TOL,
    check_lr_transfer,
    lr_optimum_slope,
    lr_transfer_verdict,
    optima_log2_lr,
    optimum_log2_lr,
)

ALPHA_EXPONENT, ALPHA_TOL = -1.0, 0.1
FEATURE_TOL = 0.1
FEATURE_PREDICTIONS = {
    "ntk": (
        -0.5,
        "Jacot et al. 2018 / Yang & Hu 2021 (Tensor Programs IV, Table 1): in the NTK parameterisation "
        "each pre-activation moves by O(eta m^-1/2) with eta = O(1), so ||h_T - h_0|| / ||h_0|| ~ m^-1/2",
    ),
    "mup": (
        0.0,
        "Yang & Hu 2021 (Tensor Programs IV): muP is the maximal-update parameterisation, every "
        "pre-activation moves by Theta(1) at any width (one hidden layer: the mean-field net with SGD lr "
        "x m), so ||h_T - h_0|| / ||h_0|| ~ m^0",
    ),
    "standard": (
        -1.5,
        "Yang & Hu 2021 (Tensor Programs IV, Sec. 3): standard parameterisation with the stable step eta ~ "
        "1/m: a pre-activation moves by O(eta m^-1/2) = O(m^-3/2) while it is O(1)",
    ),
}
COORD_TOL = 0.1
IDENTITY_TOL = 1e-6
RICH_RESOLUTION = 1e-6  # float32 resolution of a loss: smaller differences are equal losses


def _half(lo: float, hi: float) -> float:
    return (hi - lo) / 2 if np.isfinite(hi - lo) else 0.0


def _power(pred: float, tol: float, lo: float, hi: float, example: str) -> str:
    half = _half(lo, hi)
    return (
        f"an estimate of {pred + tol + half:.2f} or {pred - tol - half:.2f} fails (tolerance plus the "
        f"interval half-width {half:.3f}); {example}"
    )


def _no_fit(check: str, quantity: str, pred: float, tol: float, figure: str, why: str, source: str) -> Check:
    """The inconclusive row of a prediction whose fit has too few points where the theory applies."""
    return Check(
        check,
        STAGE,
        f"{quantity} = {pred:g}",
        math.nan,
        f"|{quantity} - ({pred:g})| <= {tol:g} over the whole interval",
        verdict="inconclusive",
        interval="none: no fit",
        power=f"none at this setting (no fit); with a fit, an estimate beyond {pred:g} +- {tol:g} plus the "
        "interval half-width fails",
        figure=figure,
        detail=f"{why}: no fit. Source: {source}",
    )


def width_bias_bound(widths, values: np.ndarray) -> float:
    """The slope bias that O(m^-1/2) relative finite-width corrections give over ``widths``, with
    their coefficient c measured from the seeds: c = max over widths of CV(m) sqrt(m) (the seed
    coefficient of variation, itself O(m^-1/2)); bound c (m0^-1/2 - m1^-1/2) / ln(m1 / m0).
    values (W, S)."""
    w = np.asarray(widths, float)
    v = np.asarray(values, float)
    mean = np.nanmean(v, 1)
    sd = np.nanstd(v, 1, ddof=1)
    ok = np.isfinite(sd) & (mean > 0)
    if not ok.any():
        return math.nan
    c = float(np.max(sd[ok] / mean[ok] * np.sqrt(w[ok])))
    return c * (w.min() ** -0.5 - w.max() ** -0.5) / math.log(w.max() / w.min())


def _local_slopes(x, values: np.ndarray) -> list[float]:
    """Slopes of log(mean over seeds) between neighbouring x: values (X, S)."""
    m = np.log(np.nanmean(np.asarray(values, float), 1))
    return [float(v) for v in np.diff(m) / np.diff(np.log(np.asarray(x, float)))]


# --------------------------------------------------------------------------------------- alpha


def check_alpha_lazy(
    alphas, w_rel: np.ndarray, k_rel: np.ndarray, max_change: float, ci: float, converged=None
):
    """w_rel, k_rel (A, S): slope of log w_rel vs log alpha over the lazy alphas (mean k_rel <=
    ``max_change``) among the converged runs (``converged`` (A, S) bool; None: all): a run that has
    not converged is left out of the fit (NaN), an alpha with no converged run is not lazy-eligible.
    Returns (Check, fit) (fit: ``fits.fit_exponent`` + lazy alphas)."""
    alphas = np.asarray(alphas, float)
    w_rel, k_rel = np.asarray(w_rel, float), np.asarray(k_rel, float)
    conv = np.ones(w_rel.shape, bool) if converged is None else np.asarray(converged, bool)
    w_rel, k_rel = np.where(conv, w_rel, np.nan), np.where(conv, k_rel, np.nan)
    n_conv = conv.sum(1)
    k_mean = np.where(conv, k_rel, 0.0).sum(1) / np.maximum(n_conv, 1)  # over the converged runs
    lazy = (n_conv > 0) & (k_mean <= max_change)
    unconverged = f"; runs not converged (left out): {int((~conv).sum())} of {conv.size}" + (
        f" (alphas {np.unique(alphas[(~conv).any(1)]).round(4).tolist()})" if (~conv).any() else ""
    )
    fig = "regimes/alpha_sweep.png"
    quantity = "exponent of ||w_T - w_0|| / ||w_0|| vs alpha"
    source = (
        "Chizat, Oyallon & Bach 2019, Sec. 2 (lazy limit: alpha (w_T - w_0) tends to the linearised "
        "model's displacement, independent of alpha, so ||w_T - w_0|| ~ 1/alpha)"
    )
    if lazy.sum() < 2:
        fit = {"exponent": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n_seeds": 0, "alphas": []}
        fit["max_change"] = max_change
        why = f"fewer than 2 lazy alphas (mean ||K_T - K_0||_F / ||K_0||_F <= {max_change:g})"
        return _no_fit("alpha_lazy_exponent", quantity, ALPHA_EXPONENT, ALPHA_TOL, fig, why, source), fit
    fit = {**fit_exponent(alphas[lazy], w_rel[lazy].T, ci), "alphas": alphas[lazy], "max_change": max_change}
    lo, hi = fit["ci_low"], fit["ci_high"]
    local = _local_slopes(alphas[lazy], w_rel[lazy])
    c = prediction_check(
        "alpha_lazy_exponent",
        STAGE,
        quantity=quantity,
        predicted=ALPHA_EXPONENT,
        tol=ALPHA_TOL,
        estimate=fit["exponent"],
        ci_low=lo,
        ci_high=hi,
        interval=f"{ci:.0%} t-interval over {fit['n_seeds']} seeds of the per-seed log-log slope over the "
        f"{int(lazy.sum())} lazy alphas {alphas[lazy].min():.3g}..{alphas[lazy].max():.3g}",
        source=source,
        tol_source=f"the trajectory's first-order deviation from the linearised one is of the order of the "
        f"relative kernel change along it, so the local slope deviates from -1 by about k_rel, <= "
        f"{max_change:g} on the fitted alphas (regimes_checks.ALPHA_TOL)",
        power=_power(
            ALPHA_EXPONENT,
            ALPHA_TOL,
            lo,
            hi,
            "e.g. the -0.5 of a distance ~ alpha^-1/2 or the ~0 of the rich regime",
        ),
        figure=fig,
        detail=f"lazy alphas (mean k_rel <= {max_change:g}): {alphas[lazy].round(4).tolist()}, k_rel "
        f"{np.nanmean(k_rel[lazy], 1).round(4).tolist()}; local slopes of the seed mean "
        f"{np.round(local, 3).tolist()}{unconverged}",
    )
    return c, fit


# ------------------------------------------------------------------------------------ features


def size_threshold(widths) -> float:
    """The fraction of the NTK net's base-width feature change that muP's must keep at the widest
    width: (m0 / m1)^(1/4), the geometric midpoint between Theta(1) feature learning (a fraction 1)
    and a lazy net's m^-1/2 decay over the same widths ((m0 / m1)^(1/2))."""
    w = np.asarray(widths, float)
    return float((w.min() / w.max()) ** 0.25)


def feature_size(widths, h_rel: np.ndarray, ntk_h_rel: np.ndarray, ci: float) -> dict:
    """The size condition of ``mup_feature_exponent``: muP's h_rel at the widest width (t-interval
    over seeds) against ``size_threshold`` x the NTK net's seed-mean h_rel at the smallest width.
    h_rel, ntk_h_rel (W, S). Verdict pass if the interval lies above the threshold, fail if wholly
    below, else inconclusive."""
    w = np.asarray(widths, float)
    frac = size_threshold(w)
    ref = float(np.nanmean(np.asarray(ntk_h_rel, float)[int(np.argmin(w))]))
    r = mean_ci(np.asarray(h_rel, float)[int(np.argmax(w))], ci)
    thr = frac * ref
    return {
        **r,
        "fraction": frac,
        "ntk_base": ref,
        "threshold": thr,
        "verdict": verdict_from_ci(r["ci_low"], r["ci_high"], thr, math.inf),
    }


def check_feature_exponent(
    param: str,
    widths,
    h_rel: np.ndarray,
    ci: float,
    max_change: float,
    other: str = "",
    ntk_h_rel: np.ndarray | None = None,
) -> tuple[Check, dict]:
    """h_rel (W, S): slope of the relative feature change vs width under ``param`` (ntk | mup |
    standard; predicted value ``FEATURE_PREDICTIONS``). ntk and standard are lazy: fitted over the
    widths whose mean h_rel <= ``max_change``; muP over every width, and muP's verdict also needs the
    size condition (``feature_size`` against ``ntk_h_rel`` (W, S), the NTK net's h_rel on the same
    widths; without it the size is not tested and the verdict is at best inconclusive): a flat slope
    of almost nothing cannot tell Theta(1) feature learning from none."""
    widths = np.asarray(widths, float)
    h_rel = np.asarray(h_rel, float)
    pred, source = FEATURE_PREDICTIONS[param]
    name = f"{param}_feature_exponent"
    fig = "regimes/width_sweep.png"
    quantity = f"exponent of ||h_T - h_0||_F / ||h_0||_F vs width ({param})"
    use = np.ones(len(widths), bool) if param == "mup" else np.nanmean(h_rel, 1) <= max_change
    if use.sum() < 2:
        fit = {"exponent": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n_seeds": 0}
        why = f"fewer than 2 lazy widths (mean h_rel <= {max_change:g})"
        return _no_fit(name, quantity, pred, FEATURE_TOL, fig, why, source), fit
    fit = fit_exponent(widths[use], h_rel[use].T, ci)
    lo, hi = fit["ci_low"], fit["ci_high"]
    if param == "mup":
        bound = width_bias_bound(widths, h_rel)
        tol_source = (
            "muP's finite-width corrections are O(m^-1/2) relative (Tensor Programs IV); with their "
            "coefficient measured from the seeds they bias the slope by "
            f"{bound:.3f} here (regimes_checks.width_bias_bound; "
            f"{'within' if bound <= FEATURE_TOL else 'above'} FEATURE_TOL = {FEATURE_TOL:g})"
        )
        alt = "e.g. the NTK parameterisation's -0.5 fails"
    else:
        tol_source = (
            "a lazy change's relative correction is of the order of the change itself, so on widths with "
            f"h_rel <= {max_change:g} the slope's bias is <= {FEATURE_TOL:g} (regimes_checks.FEATURE_TOL)"
        )
        alt = "e.g. muP's 0 fails" if param == "ntk" else "e.g. the NTK parameterisation's -0.5 fails"
    c = prediction_check(
        name,
        STAGE,
        quantity=quantity,
        predicted=pred,
        tol=FEATURE_TOL,
        estimate=fit["exponent"],
        ci_low=lo,
        ci_high=hi,
        interval=f"{ci:.0%} t-interval over {fit['n_seeds']} seeds of the per-seed log-log slope over widths "
        f"{widths[use].astype(int).tolist()}",
        source=source,
        tol_source=tol_source,
        power=_power(pred, FEATURE_TOL, lo, hi, alt),
        figure=fig,
        detail=f"widths used {widths[use].astype(int).tolist()} (mean h_rel "
        f"{', '.join(f'{v:.3g}' for v in np.nanmean(h_rel[use], 1))}); local slopes of the seed mean "
        f"{np.round(_local_slopes(widths[use], h_rel[use]), 3).tolist()}{other}",
    )
    if param != "mup":
        return c, fit
    if ntk_h_rel is None:
        size_text = "size condition not tested (no NTK width sweep to compare with): at best inconclusive"
        size_v = "inconclusive"
    else:
        z = feature_size(widths, h_rel, ntk_h_rel, ci)
        size_v = z["verdict"]
        size_text = (
            f"size condition {size_v}: muP's h_rel at width {int(widths.max())} {z['mean']:.3g} "
            f"[{z['ci_low']:.3g}, {z['ci_high']:.3g}] ({ci:.0%} t-interval over {z['n']} seeds) against "
            f"{z['fraction']:.3f} x the NTK net's {z['ntk_base']:.3g} at width {int(widths.min())} = "
            f"{z['threshold']:.3g}. Why: at the smallest width both nets take steps of the same kind "
            "(lr / lambda_max of their effective kernel); Theta(1) feature learning keeps at the widest "
            "width a change of at least the NTK net's base-width size (fraction 1), a lazy net's falls "
            f"like m^-1/2 to (m0/m1)^(1/2) = {z['fraction'] ** 2:.3f} of it; the threshold is their "
            "geometric midpoint (m0/m1)^(1/4) (regimes_checks.size_threshold)"
        )
        fit = {**fit, "size": z}
    verdict = combine_verdicts([c.verdict, size_v])
    c = dataclasses.replace(
        c,
        verdict=verdict,
        passed=None,
        tolerance=c.tolerance + "; and the size condition: muP's h_rel at the widest width above "
        "(m0/m1)^(1/4) x the NTK net's at the smallest width (over the whole t-interval)",
        power=c.power + "; a muP net that barely trains (flat slope of almost nothing, e.g. muP with the "
        "base width at the smallest width, where the first layer's share of the kernel is 1/m0 of the "
        "read-out's) fails the size condition",
        detail=f"slope {c.verdict}; {size_text}; " + c.detail,
    )
    return c, fit


# ------------------------------------------------------------------------------ coordinate check


def coord_slopes(widths, mean_abs: np.ndarray, ci: float) -> list[dict]:
    """Slopes of every curve at the last step: mean_abs (O, W, S, steps, layers) -> one dict per
    (optimizer index, layer) with exponent, CI, n_seeds, the bias bound and the verdict against 0 +-
    COORD_TOL (NaN where a curve is identically 0)."""
    rows = []
    for o in range(mean_abs.shape[0]):
        for layer in range(mean_abs.shape[-1]):
            vals = mean_abs[o, :, :, -1, layer]  # (W, S)
            fit = fit_exponent(widths, vals.T, ci)
            rows.append(
                {
                    "opt": o,
                    "layer": layer,
                    **{k: fit[k] for k in ("exponent", "ci_low", "ci_high", "n_seeds")},
                    "bias_bound": width_bias_bound(widths, vals),
                    "verdict": verdict_from_ci(fit["ci_low"], fit["ci_high"], -COORD_TOL, COORD_TOL),
                }
            )
    return rows


def check_coord(widths, mup: np.ndarray, standard: np.ndarray | None, optimizers, ci: float) -> Check:
    """mup / standard: mean_abs (O, W, S, steps, layers). One verdict over every muP curve's
    step-final slope (``combine_verdicts``); the standard parameterisation judged by the same rule is
    reported as the check's power."""
    rows = coord_slopes(widths, mup, ci)
    verdict = combine_verdicts(r["verdict"] for r in rows)
    worst = max(rows, key=lambda r: abs(r["exponent"]) if np.isfinite(r["exponent"]) else np.inf)
    n_layers = mup.shape[-1]

    def name(layer):
        return "output" if layer == n_layers - 1 else f"z{layer + 1}"

    parts = [
        f"{optimizers[r['opt']]} {name(r['layer'])} {r['exponent']:.3f} [{r['ci_low']:.3f}, "
        f"{r['ci_high']:.3f}] {r['verdict']}"
        for r in rows
    ]
    bound = max(r["bias_bound"] for r in rows)
    power = (
        "a curve growing like width^0.5 (the standard parameterisation's output under SGD, Tensor "
        "Programs V) fails"
    )
    if standard is not None:
        sp = coord_slopes(widths, standard, ci)
        steep = max(sp, key=lambda r: r["exponent"] if np.isfinite(r["exponent"]) else -np.inf)
        power += (
            f"; the standard parameterisation judged by the same rule: "
            f"{combine_verdicts(r['verdict'] for r in sp)} (steepest: {optimizers[steep['opt']]} "
            f"{name(steep['layer'])} {steep['exponent']:.3f} [{steep['ci_low']:.3f}, {steep['ci_high']:.3f}])"
        )
    return Check(
        check="mup_coord_check",
        stage=STAGE,
        prediction="slope of log mean |z| vs log width at the last step = 0 for every pre-activation and the "
        "output under muP",
        measured=worst["exponent"],
        ci_low=worst["ci_low"],
        ci_high=worst["ci_high"],
        interval=f"{ci:.0%} t-interval over {worst['n_seeds']} seeds of the per-seed log-log slope of "
        "the muP curve with the largest |slope| (every curve is judged: see detail)",
        tolerance=f"every muP curve's interval within [{-COORD_TOL:g}, {COORD_TOL:g}] (pass); one wholly "
        "outside: fail",
        power=power,
        verdict=verdict,
        figure="regimes/coord_check.png",
        detail=f"widths {min(widths)}..{max(widths)}; muP slopes: " + "; ".join(parts) + ". Source: Yang et "
        "al. 2022 (Tensor Programs V, Sec. 5 and the coordinate check of microsoft/mup): under muP every "
        "(pre)activation and the output stay Theta(1) as width grows. Tolerance: O(m^-1/2) relative finite-"
        "width corrections (Tensor Programs IV) with their coefficient measured from the seeds (CV x "
        f"sqrt(m)) bias the slope by at most {bound:.3f} here (regimes_checks.width_bias_bound; "
        f"{'within' if bound <= COORD_TOL else 'above'} COORD_TOL = {COORD_TOL:g}, fixed at 0.1 from the "
        "coefficient ~3.3 of the default run's noisiest curve, the SGD output)",
    )


# ------------------------------------------------------------------------------- teacher-student


def check_rich_beats_lazy(taus, test_loss: np.ndarray, ci: float) -> Check:
    """test_loss (T, R): paired difference loss(smallest tau) - loss(largest tau) over trials < 0."""
    taus = np.asarray(taus, float)
    lo_i, hi_i = int(np.argmin(taus)), int(np.argmax(taus))
    diff = np.asarray(test_loss)[lo_i] - np.asarray(test_loss)[hi_i]
    r = mean_ci(diff, ci)
    # equal losses are no ordering: the interval must clear 0 by more than float32 resolution
    eps = RICH_RESOLUTION * float(np.mean(np.abs(np.asarray(test_loss)[[lo_i, hi_i]])))
    lo, hi = r["ci_low"], r["ci_high"]
    verdict = (
        ("pass" if hi < -eps else "fail" if lo > eps else "inconclusive")
        if np.isfinite(lo) and np.isfinite(hi)
        else "inconclusive"
    )
    return Check(
        check="rich_beats_lazy",
        stage=STAGE,
        prediction="test loss(smallest tau) - test loss(largest tau) < 0 (rich generalises better than lazy "
        "on a 3-neuron teacher); a sign: the theory gives no value for the rich regime's test loss",
        measured=r["mean"],
        ci_low=r["ci_low"],
        ci_high=r["ci_high"],
        interval=f"{ci:.0%} paired t-interval over {r['n']} trials of the test-loss difference (smallest tau "
        "minus largest tau)",
        tolerance=f"the interval of test loss(tau={taus[lo_i]:.3g}) - test loss(tau={taus[hi_i]:.3g}) "
        f"below -{eps:.2g} (pass) or above +{eps:.2g} (fail): 0 up to float32 resolution "
        f"({RICH_RESOLUTION:g} x the mean loss), so equal losses are inconclusive",
        power="a difference with its interval wholly above 0 (the lazy net generalising better) fails; equal "
        "losses (a zero-width interval at 0 included) are inconclusive, never a pass",
        verdict=verdict,
        figure="regimes/teacher_student.png",
        detail=f"Source: Chizat, Oyallon & Bach 2019, Fig. 3 (shallow-nn/test_vs_scale.jl): small tau "
        f"(not lazy) generalises, large tau (lazy) does not; final test loss, {r['n']} trials; mean "
        f"{np.mean(test_loss[lo_i]):.4g} (small tau) vs {np.mean(test_loss[hi_i]):.4g} (large tau)",
    )


# ------------------------------------------------------------------------------------- identity


def check_mup_base_identity(pairs: dict) -> Check:
    """pairs: name -> (muP array, standard array) at the base width (same draws, same steps). Holds
    when the largest relative difference is <= IDENTITY_TOL (float32 programs vmapped over the
    parameterisations: in practice 0)."""
    diffs = {}
    for k, (a, b) in pairs.items():
        a, b = np.asarray(a, float), np.asarray(b, float)
        ok = np.isfinite(a) & np.isfinite(b)
        scale = np.maximum(np.abs(b[ok]), 1e-30)
        diffs[k] = float(np.max(np.abs(a[ok] - b[ok]) / scale)) if ok.any() else math.nan
    worst = max(diffs.values()) if diffs else math.nan
    return Check(
        check="mup_is_standard_at_base_width",
        stage=STAGE,
        kind="identity",
        prediction="at the base width (width / base_width = 1) muP is exactly the standard parameterisation",
        measured=worst,
        tolerance=f"largest relative difference <= {IDENTITY_TOL:g}",
        passed=bool(np.isfinite(worst) and worst <= IDENTITY_TOL),
        power="a muP multiplier or learning-rate factor that is not 1 at the base width fails",
        figure="regimes/width_sweep.png",
        detail="Yang et al. 2022 (Tensor Programs V, Table 8: every muP factor is relative to the base "
        "width); same draws and steps; largest relative difference per experiment: "
        + ", ".join(f"{k} {v:.3g}" for k, v in diffs.items()),
    )
