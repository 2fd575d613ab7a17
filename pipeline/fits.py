"""Statistical fits shared by every stage: power-law exponents over widths with a confidence
interval over seeds, and the t-interval of a mean.

``fit_exponent(x, values)``: values (S, W) = one row per seed (or trial), one column per x (width,
alpha, frequency ...). Each row's slope of log(value) against log(x) is a least-squares fit over
its finite, positive entries (>= 2 distinct x needed; a diverged run, NaN, is left out of its row
only). The exponent is the mean of the per-row slopes; ci_low / ci_high the two-sided Student-t
interval at level ``ci`` over the rows (NaN with one row), se its standard error.

``mean_ci(samples)``: mean and Student-t interval of paired differences or per-seed measurements.

``verdict_from_ci(lo, hi, lower, upper)``: the three-valued verdict of a prediction "the quantity
lies in [lower, upper]": pass when the whole CI is inside, fail when it is wholly outside, else
inconclusive (the measurement cannot tell). ``combine_verdicts`` joins the verdicts of one
prediction tested several times (per dimension, depth, optimiser): fail if any fails, pass if all
pass, else inconclusive.
"""

from __future__ import annotations

import math

import numpy as np


def _t_half_width(sd: float, n: int, ci: float) -> float:
    from scipy.special import stdtrit  # = scipy.stats.t.ppf, without importing scipy.stats (~1 s)

    if n < 2:
        return math.nan
    return float(stdtrit(n - 1, 0.5 + ci / 2)) * sd / math.sqrt(n)


def mean_ci(samples, ci: float = 0.95) -> dict:
    """Mean of the finite ``samples`` with its t-interval: mean, ci_low, ci_high, se, n."""
    s = np.asarray(samples, dtype=float).ravel()
    s = s[np.isfinite(s)]
    if s.size == 0:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "se": math.nan, "n": 0}
    mean = float(s.mean())
    sd = float(s.std(ddof=1)) if s.size > 1 else math.nan
    half = _t_half_width(sd, s.size, ci)
    se = sd / math.sqrt(s.size) if s.size > 1 else math.nan
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "se": se, "n": int(s.size)}


def fit_exponent(x, values, ci: float = 0.95) -> dict:
    """Log-log slope of ``values`` (S, W) against ``x`` (W,): per-row least-squares slopes, their
    mean, standard error and t-interval at level ``ci`` over rows.

    Returns exponent, ci_low, ci_high, se, n_seeds (rows with a slope), slopes (n_seeds,).
    """
    lx = np.log(np.asarray(x, dtype=float))
    vals = np.atleast_2d(np.asarray(values, dtype=float))
    if vals.shape[-1] != lx.size:
        raise ValueError(f"values must be (n_seeds, n_x={lx.size}), got {np.shape(values)}")
    slopes = []
    for row in vals:
        ok = np.isfinite(row) & (row > 0)
        if ok.sum() >= 2 and np.ptp(lx[ok]) > 0:
            slopes.append(np.polyfit(lx[ok], np.log(row[ok]), 1)[0])
    slopes = np.asarray(slopes, dtype=float)
    r = mean_ci(slopes, ci)
    return {
        "exponent": r["mean"],
        "ci_low": r["ci_low"],
        "ci_high": r["ci_high"],
        "se": r["se"],
        "n_seeds": r["n"],
        "slopes": slopes,
    }


def verdict_from_ci(lo: float, hi: float, lower: float = -math.inf, upper: float = math.inf) -> str:
    """'pass' if [lo, hi] lies inside [lower, upper], 'fail' if wholly outside, else 'inconclusive'.

    A NaN interval (no spread measured) is 'inconclusive'.
    """
    if not (math.isfinite(lo) or lo == -math.inf) or not (math.isfinite(hi) or hi == math.inf):
        return "inconclusive"
    if lo >= lower and hi <= upper:
        return "pass"
    if hi < lower or lo > upper:
        return "fail"
    return "inconclusive"


def combine_verdicts(verdicts) -> str:
    """One verdict for a prediction made for every item: 'fail' if any item fails, 'pass' if every
    item passes (and there is at least one), else 'inconclusive'."""
    verdicts = list(verdicts)
    if "fail" in verdicts:
        return "fail"
    if verdicts and all(v == "pass" for v in verdicts):
        return "pass"
    return "inconclusive"
