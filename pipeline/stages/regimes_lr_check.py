"""Stage regimes, the check ``mup_lr_transfer`` (a pure function of the measured losses; its
experiment is ``regimes_mup.lr_transfer``).

Prediction: the slope of the optimal log2 learning rate vs log2 width is 0 under muP (Tensor
Programs V, Fig. 1), with a positive control: the standard parameterisation's slope, -1 with Adam.
Estimator, per parameterisation, from the loss array (W widths, L learning rates, S seeds) -- each
entry the minibatch loss averaged over the last quarter of the steps, capped at ln 10:

- optimum per width (``optima_log2_lr``): the vertex of the least-squares parabola in log(loss) vs
  log2 lr through the seed-mean curve's grid argmin and ``LR_FIT_HALF_WINDOW`` = 2 grid points either
  side, clipped to ``LR_FIT_CLIP`` = 1 grid step from the argmin (a 3-point parabola clipped at half a
  step followed the seed noise of the flat muP optimum, and a third of the default's optima sat on
  the clip); an argmin on the grid's first or last point is censored (NaN);
- slope: least squares of the optima vs log2 width; interval: percentile bootstrap over seeds
  (``LR_BOOTSTRAP`` replicates, seeds resampled independently per width, the widths' draws being
  independent), replicates with a censored width dropped and counted (``lr_optimum_slope``);
- verdict (``lr_transfer_verdict``), tolerance tau = ``LR_TOL`` = 1/3 (one octave of drift over
  three octaves of width; the standard parameterisation's -1 is three times it): pass only if muP's
  interval lies inside [-tau, tau] AND the standard parameterisation's lies wholly below -tau; fail if
  muP's lies wholly outside [-tau, tau]; inconclusive otherwise and when an optimum is censored.

Cost: B x W parabola fits (vectorised 3 x 3 solves), milliseconds.
"""

from __future__ import annotations

import math

import numpy as np

from ..checks import Check, prediction_check, with_verdict
from ..fits import verdict_from_ci
from .regimes_common import CHANCE_LOSS, STAGE

LR_TOL = 1.0 / 3.0  # at most one octave of the optimal lr over three octaves of width
LR_BOOTSTRAP = 2000
LR_FIT_HALF_WINDOW = 2  # the local parabola: the argmin and 2 grid points either side
LR_FIT_CLIP = 1.0  # the vertex stays within one grid step of the argmin


def optimum_log2_lr(log2_lrs, loss) -> float:
    """Sub-grid optimum of one loss-vs-lr curve (L,) (``optima_log2_lr``); NaN when censored."""
    return float(optima_log2_lr(log2_lrs, np.asarray(loss, float)[None])[0])


def optima_log2_lr(log2_lrs, loss: np.ndarray, half_window: int | None = None) -> np.ndarray:
    """Sub-grid optimum of every curve of ``loss`` (..., L) at once: the vertex of the least-squares
    parabola in log(loss) vs log2 lr through the grid's argmin and up to ``half_window`` points either
    side (5 points by default: a 3-point parabola follows the seed noise of a flat optimum), clipped
    to ``LR_FIT_CLIP`` grid steps either side of the argmin (the fit is local). Diverged runs (non-finite) and
    losses above chance count as the chance loss ln 10. NaN where the argmin is the grid's first or
    last point (the optimum is not bracketed: censored) or the parabola is not convex."""
    half_window = LR_FIT_HALF_WINDOW if half_window is None else half_window
    u = np.asarray(log2_lrs, float)
    v = np.asarray(loss, float)
    v = np.log(np.minimum(np.where(np.isfinite(v), v, CHANCE_LOSS), CHANCE_LOSS))
    n = len(u)
    i = np.argmin(v, -1)
    edge = (i == 0) | (i == n - 1)
    k = np.arange(n)
    w = (np.abs(k - i[..., None]) <= half_window).astype(float)  # (..., L) points in the window
    t = u - u[i][..., None]  # centred on the argmin
    T = np.stack([np.ones_like(t), t, t**2], -1)  # (..., L, 3)
    A = np.einsum("...l,...li,...lj->...ij", w, T, T)
    rhs = np.einsum("...l,...li,...l->...i", w, T, v)
    coef = np.linalg.solve(A + 1e-12 * np.eye(3), rhs[..., None])[..., 0]
    b, c = coef[..., 1], coef[..., 2]
    h = float(np.min(np.diff(u)))
    off = np.where(c > 0, -b / (2 * np.where(c > 0, c, 1.0)), np.nan)
    out = u[i] + np.clip(off, -LR_FIT_CLIP * h, LR_FIT_CLIP * h)
    return np.where(edge, np.nan, out)


def lr_optimum_slope(
    widths, log2_lrs, loss: np.ndarray, ci: float, n_boot: int = LR_BOOTSTRAP, seed: int = 0
) -> dict:
    """loss (W, L, S) -> the optimum per width (``optima_log2_lr`` of the seed-mean curve), the
    least-squares slope of the optimum vs log2 width, and its percentile bootstrap interval at level
    ``ci``: each replicate resamples the seeds with replacement independently per width (the widths'
    draws are independent), recomputes the mean curves, optima and slope; replicates with a censored
    width are dropped (counted in ``n_dropped``). ``censored`` (W,): the seed mean's argmin lies on
    the grid's edge (then slope and interval are NaN)."""
    lw = np.log2(np.asarray(widths, float))
    loss = np.asarray(loss, float)
    n_w, _, n_s = loss.shape
    opt = optima_log2_lr(log2_lrs, loss.mean(-1))  # (W,)
    censored = ~np.isfinite(opt)
    out = {"optimum": opt, "censored": censored, "n_seeds": n_s, "n_boot": n_boot}
    nan = {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n_dropped": 0}
    nan.update(opt_low=np.full(n_w, np.nan), opt_high=np.full(n_w, np.nan))
    if censored.any() or n_w < 2:
        return {**out, **nan}
    rng = np.random.default_rng([int(seed), 21])
    pick = rng.integers(0, n_s, (n_boot, n_w, n_s))  # (B, W, S)
    curves = loss.transpose(0, 2, 1)[np.arange(n_w)[None, :, None], pick]  # (B, W, S, L)
    boot = optima_log2_lr(log2_lrs, curves.mean(2))  # (B, W)
    ok = np.all(np.isfinite(boot), 1)
    x = lw - lw.mean()
    slopes = (boot[ok] - boot[ok].mean(1, keepdims=True)) @ x / (x @ x)
    q = [(1 - ci) / 2 * 100, (1 + ci) / 2 * 100]
    lo, hi = np.percentile(slopes, q) if ok.sum() >= 10 else (math.nan, math.nan)
    olo, ohi = np.nanpercentile(boot, q, axis=0) if ok.any() else (nan["opt_low"], nan["opt_high"])
    return {
        **out,
        "mean": float(np.polyfit(lw, opt, 1)[0]),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "n_dropped": int((~ok).sum()),
        "opt_low": olo,
        "opt_high": ohi,
    }


def _lr_summary(name: str, widths, r: dict) -> str:
    per = ", ".join(
        f"{w}: {o:.2f} [{lo:.2f}, {hi:.2f}]" if np.isfinite(o) else f"{w}: censored"
        for w, o, lo, hi in zip(widths, r["optimum"], r["opt_low"], r["opt_high"])
    )
    return (
        f"{name}: slope {r['mean']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}], optimal log2 lr per width "
        f"{per} ({r['n_dropped']} of {r['n_boot']} bootstrap replicates dropped: a censored width)"
    )


def lr_transfer_verdict(mup: dict, standard: dict | None, tol: float) -> tuple[str, str]:
    """The positive-controlled verdict and why: fail if muP's slope interval lies wholly outside
    [-tol, tol]; pass if it lies inside AND the standard parameterisation's lies wholly below -tol
    (the experiment resolves a shift); inconclusive otherwise (also when an optimum is censored)."""
    if mup["censored"].any():
        return "inconclusive", "muP's optimum is at the grid's edge at some width: extend the lr grid"
    v = verdict_from_ci(mup["ci_low"], mup["ci_high"], -tol, tol)
    if v == "fail":
        return "fail", "muP's slope interval lies wholly outside [-tau, tau]"
    if standard is None:
        return "inconclusive", "no positive control (the standard parameterisation was not run)"
    if standard["censored"].any():
        return (
            "inconclusive",
            "the standard parameterisation's optimum is at the grid's edge: extend the grid",
        )
    resolved = np.isfinite(standard["ci_high"]) and standard["ci_high"] < -tol
    if not resolved:
        return "inconclusive", (
            "positive control unresolved: the standard parameterisation's slope interval is not wholly "
            "below -tau, so this budget cannot see a shift (raise seeds / steps, config/paper.yaml)"
        )
    if v == "pass":
        return "pass", "muP's interval inside [-tau, tau] and the standard parameterisation's below -tau"
    return "inconclusive", "muP's slope interval straddles +-tau (more seeds narrow it)"


def check_lr_transfer(
    widths,
    log2_lrs,
    mup: np.ndarray,
    standard: np.ndarray | None,
    ci: float,
    optimizer: str = "adam",
    seed: int = 0,
    n_boot: int = LR_BOOTSTRAP,
    base_width: int | None = None,
) -> Check:
    """mup / standard: training loss (W, L, S) (averaged over the last quarter of the steps). The
    slope of the optimal log2 lr vs log2 width = 0 +- LR_TOL under muP, with the standard
    parameterisation's slope below -LR_TOL as the positive control (``lr_transfer_verdict``)."""
    widths = [int(w) for w in widths]
    tol = LR_TOL
    r = lr_optimum_slope(widths, log2_lrs, mup, ci, n_boot, seed)
    s = lr_optimum_slope(widths, log2_lrs, standard, ci, n_boot, seed + 1) if standard is not None else None
    verdict, why = lr_transfer_verdict(r, s, tol)
    best = np.asarray(mup, float).mean(-1).min(1)
    wider = bool(np.all(np.diff(best) <= 0))
    control = _lr_summary("standard parameterisation (positive control)", widths, s) if s else "none"
    c = prediction_check(
        "mup_lr_transfer",
        STAGE,
        quantity=f"slope of the optimal log2 lr vs log2 width (muP, {optimizer})",
        predicted=0.0,
        tol=tol,
        estimate=r["mean"],
        ci_low=r["ci_low"],
        ci_high=r["ci_high"],
        interval=f"{ci:.0%} percentile bootstrap ({n_boot} replicates, seeds resampled per width, "
        f"{r['n_seeds']} seeds) of the least-squares slope of the optimum (vertex of the least-squares "
        f"parabola in log loss through the seed-mean curve's grid argmin and {LR_FIT_HALF_WINDOW} points "
        "either side) vs log2 width",
        source="Yang et al. 2022 (Tensor Programs V, Fig. 1 and Sec. 3): under muP the optimal learning "
        "rate does not depend on width (hyperparameter transfer); under the standard parameterisation "
        "with Adam it moves like 1/width (slope -1), the positive control",
        tol_source=f"tau = {tol:.3g}: at most one octave of drift of the optimal lr over three octaves "
        "of width (the issue's criterion; the standard parameterisation's -1 is three times it). muP's "
        "finite-width drift (O(m^-1/2) corrections, largest at the narrowest widths) must stay inside it",
        power=f"a slope of -1 (the standard parameterisation's) or any interval wholly beyond +-{tol:.3g} "
        f"fails; the positive control: {control}",
        figure="regimes/lr_transfer.png",
        detail=f"verdict rule: pass only if muP's interval lies inside [-tau, tau] AND the standard "
        f"parameterisation's lies below -tau; fail if muP's lies wholly outside; else inconclusive. "
        f"Verdict: {verdict} ({why}). muP's base width "
        f"{base_width if base_width is not None else min(widths)}. {_lr_summary('muP', widths, r)}; "
        "reported, not a pass condition: "
        f"'wider is better' (muP's best seed-mean loss non-increasing in width): {wider} "
        f"({', '.join(f'{v:.4g}' for v in best)})",
    )
    return with_verdict(c, verdict)
