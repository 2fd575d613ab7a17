"""Stage regimes: every theory check on synthetic measurements, a case that passes and the stated
alternative, which MUST fail (regimes_checks)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.stages import regimes_checks as K

RNG = np.random.default_rng(0)


def _noisy(clean, n_seeds=4, sd=0.01):
    """(..., n_seeds) copies of ``clean`` with small multiplicative log-normal noise (seeds last)."""
    clean = np.asarray(clean, float)
    return clean[..., None] * np.exp(sd * RNG.standard_normal(np.shape(clean) + (n_seeds,)))


# --- alpha_lazy_exponent ---------------------------------------------------------------------------

ALPHAS = np.logspace(-3, 2, 11)
K_REL = np.where(ALPHAS >= 1.0, 0.05 / ALPHAS, 5.0)  # lazy (k_rel <= 0.1) from alpha = 1 on


def test_alpha_lazy_exponent_passes_on_lazy_alphas_only():
    w_rel = np.where(ALPHAS < 1.0, 1.0, 0.2 / ALPHAS)  # rich alphas flat: must not be fitted
    c, fit = K.check_alpha_lazy(ALPHAS, _noisy(w_rel), _noisy(K_REL), 0.1, 0.95)
    assert c.verdict == "pass" and c.kind == "prediction"
    assert abs(c.measured + 1) < 0.02 and len(fit["alphas"]) == 5
    assert c.power and "Source: Chizat" in c.detail and "Tolerance:" in c.detail


def test_alpha_lazy_exponent_fails_on_alpha_to_minus_half():
    """The stated alternative: a distance ~ alpha^-1/2 fails."""
    c, _ = K.check_alpha_lazy(ALPHAS, _noisy(0.2 / np.sqrt(ALPHAS)), _noisy(K_REL), 0.1, 0.95)
    assert c.verdict == "fail" and c.measured == pytest.approx(-0.5, abs=0.02)


def test_alpha_lazy_exponent_leaves_unconverged_runs_out():
    """Runs that did not converge are kept out of the fit: a lazy alpha whose runs all stalled is
    not fitted, and its (wrong) values cannot bend the slope."""
    w_rel = np.where(ALPHAS < 1.0, 1.0, 0.2 / ALPHAS)
    w = _noisy(w_rel)
    conv = np.ones(w.shape, bool)
    w[-1] *= 5.0  # a stalled run at the largest alpha: the wrong distance
    conv[-1] = False
    c, fit = K.check_alpha_lazy(ALPHAS, w, _noisy(K_REL), 0.1, 0.95, converged=conv)
    assert c.verdict == "pass" and len(fit["alphas"]) == 4 and "not converged" in c.detail
    c, _ = K.check_alpha_lazy(ALPHAS, w, _noisy(K_REL), 0.1, 0.95)  # the same runs, not masked
    assert c.verdict != "pass"
    none = np.zeros(w.shape, bool)
    assert (
        K.check_alpha_lazy(ALPHAS, w, _noisy(K_REL), 0.1, 0.95, converged=none)[0].verdict == "inconclusive"
    )


def test_alpha_lazy_exponent_inconclusive_without_lazy_alphas():
    c, _ = K.check_alpha_lazy(ALPHAS, _noisy(0.2 / ALPHAS), _noisy(np.full(11, 1.0)), 0.1, 0.95)
    assert c.verdict == "inconclusive" and math.isnan(c.measured)


# --- feature exponents -------------------------------------------------------------------------------

WIDTHS = np.array([256, 1024, 4096, 16384])


NTK_H = _noisy(0.1 * (WIDTHS / 256.0) ** -0.5)  # the NTK net's feature change: muP's size reference


@pytest.mark.parametrize("param,alternative", [("ntk", 0.0), ("mup", -0.5), ("standard", -0.5)])
def test_feature_exponent_pass_and_must_fail(param, alternative):
    pred = K.FEATURE_PREDICTIONS[param][0]
    good = _noisy(0.05 * (WIDTHS / 256.0) ** pred)  # (W, S), lazy everywhere
    c, _ = K.check_feature_exponent(param, WIDTHS, good, 0.95, 0.1, ntk_h_rel=NTK_H)
    assert c.verdict == "pass" and c.check == f"{param}_feature_exponent"
    bad = _noisy(0.05 * (WIDTHS / 256.0) ** alternative)
    c, _ = K.check_feature_exponent(param, WIDTHS, bad, 0.95, 0.1, ntk_h_rel=NTK_H)
    assert c.verdict == "fail" and c.measured == pytest.approx(alternative, abs=0.03)


def test_mup_feature_exponent_size_condition_must_fail():
    """A flat slope of almost nothing (muP that barely trains: h_rel 0.002 at every width, the
    issue's measurement) passes the slope but fails the size condition: the check fails."""
    tiny = _noisy(np.full(len(WIDTHS), 0.002))
    c, fit = K.check_feature_exponent("mup", WIDTHS, tiny, 0.95, 0.1, ntk_h_rel=NTK_H)
    assert abs(c.measured) < 0.02 and c.verdict == "fail" and "size condition fail" in c.detail
    assert fit["size"]["threshold"] == pytest.approx(
        (1 / 64) ** 0.25 * np.mean(NTK_H[0])
    )  # (256/16384)^(1/4)
    # Theta(1) feature change: passes; without the NTK reference the size is untested: inconclusive
    big = _noisy(np.full(len(WIDTHS), 1.5))
    assert K.check_feature_exponent("mup", WIDTHS, big, 0.95, 0.1, ntk_h_rel=NTK_H)[0].verdict == "pass"
    assert K.check_feature_exponent("mup", WIDTHS, big, 0.95, 0.1)[0].verdict == "inconclusive"


def test_size_threshold_is_the_geometric_midpoint():
    assert K.size_threshold([256, 16384]) == pytest.approx((1 / 64) ** 0.25)
    assert K.size_threshold([100, 10000]) ** 2 == pytest.approx(math.sqrt(100 / 10000))


def test_ntk_feature_exponent_fits_lazy_widths_only():
    h = 0.05 * (WIDTHS / 256.0) ** -0.5
    h[0] = 0.5  # not lazy at the narrowest width: left out, so it cannot bend the slope
    c, _ = K.check_feature_exponent("ntk", WIDTHS, _noisy(h), 0.95, 0.1)
    assert c.verdict == "pass" and "[1024, 4096, 16384]" in c.interval


# --- mup_coord_check ---------------------------------------------------------------------------------

COORD_WIDTHS = [128, 256, 512, 1024, 2048]


def _coord(slopes, n_opt=2, n_seeds=5, steps=3):
    """mean_abs (O, W, S, steps, L) whose curve l grows like width^slopes[l] at every step."""
    w = np.asarray(COORD_WIDTHS, float)
    curves = np.stack([(w / w[0]) ** s for s in slopes], -1)  # (W, L)
    arr = np.broadcast_to(curves[None, :, None, None, :], (n_opt, len(w), n_seeds, steps, len(slopes)))
    return arr * np.exp(0.01 * RNG.standard_normal(arr.shape))


def test_mup_coord_check_pass_and_must_fail():
    sp = _coord([0.0, 0.5, 1.0])
    c = K.check_coord(COORD_WIDTHS, _coord([0.0, 0.0, 0.0]), sp, ["sgd", "adam"], 0.95)
    assert c.verdict == "pass"
    assert "judged by the same rule: fail" in c.power  # the standard parameterisation fails it
    c = K.check_coord(COORD_WIDTHS, _coord([0.0, 0.0, 0.5]), sp, ["sgd", "adam"], 0.95)  # width^0.5
    assert c.verdict == "fail" and c.measured == pytest.approx(0.5, abs=0.02)


def test_width_bias_bound_known_answer():
    """CV = c m^-1/2 exactly: the bound is c (m0^-1/2 - m1^-1/2) / ln(m1 / m0)."""
    w = np.array([100.0, 400.0])
    vals = np.stack(  # (W, 2): mean 1, sd (ddof 1) 2 m^-1/2
        [1 - 2.0 * w**-0.5 / math.sqrt(2), 1 + 2.0 * w**-0.5 / math.sqrt(2)], 1
    )
    expected = 2.0 * (0.1 - 0.05) / math.log(4.0)
    assert K.width_bias_bound(w, vals) == pytest.approx(expected, rel=1e-6)


# --- mup_lr_transfer ---------------------------------------------------------------------------------

LOG2_LRS = np.arange(-10.0, -2.0)
LR_WIDTHS = [64, 128, 256, 512]


def _lr_losses(optimum, n_seeds=6, jitter=0.05):
    """loss (W, L, S): log loss a parabola in log2 lr with its vertex at optimum[w] (+ seed jitter)."""
    out = np.empty((len(optimum), len(LOG2_LRS), n_seeds))
    for w, o in enumerate(optimum):
        for s in range(n_seeds):
            v = o + jitter * RNG.standard_normal()
            out[w, :, s] = np.exp(0.3 * (LOG2_LRS - v) ** 2 - 2.0)
    return out


FLAT = [-6.3] * 4
SHIFT = -5.0 - np.log2(np.asarray(LR_WIDTHS) / 64.0)  # optimum ~ 1 / width: slope -1


def test_optima_log2_lr_known_answer():
    loss = np.exp(0.3 * (LOG2_LRS + 6.3) ** 2 - 1.0)
    assert K.optimum_log2_lr(LOG2_LRS, loss) == pytest.approx(-6.3, abs=1e-9)  # exact parabola
    loss[-1:] = np.nan  # a diverged run (outside the 5-point window) counts as chance and never wins
    assert K.optimum_log2_lr(LOG2_LRS, loss) == pytest.approx(-6.3, abs=1e-9)
    assert math.isnan(K.optimum_log2_lr(LOG2_LRS, np.exp(0.3 * (LOG2_LRS + 11) ** 2)))  # censored
    batch = np.stack([np.exp(0.1 * (LOG2_LRS - o) ** 2 - 2.0) for o in (-8.2, -5.5, -4.4)])
    np.testing.assert_allclose(K.optima_log2_lr(LOG2_LRS, batch), [-8.2, -5.5, -4.4], atol=1e-9)


def test_mup_lr_transfer_pass_needs_the_positive_control():
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses(FLAT), _lr_losses(SHIFT), 0.95, n_boot=300)
    assert c.verdict == "pass" and abs(c.measured) < 0.1 and c.ci_high - c.ci_low > 0
    assert "positive control" in c.power and "slope -0.99" in c.power
    assert K.LR_TOL == pytest.approx(1 / 3)
    # the same muP data without a shift of the standard parameterisation: the experiment cannot see
    # a shift, so it must not pass
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses(FLAT), _lr_losses(FLAT), 0.95, n_boot=300)
    assert c.verdict == "inconclusive" and "positive control unresolved" in c.detail
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses(FLAT), None, 0.95, n_boot=300)
    assert c.verdict == "inconclusive"


def test_mup_lr_transfer_must_fail_on_a_shifting_optimum():
    """The stated alternative: muP's optimum moving like 1/width (slope -1) fails, control or not."""
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses(SHIFT), _lr_losses(SHIFT), 0.95, n_boot=300)
    assert c.verdict == "fail" and c.measured == pytest.approx(-1.0, abs=0.1)
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses(SHIFT), None, 0.95, n_boot=300)
    assert c.verdict == "fail"


def test_mup_lr_transfer_censored_optimum_is_inconclusive():
    """An optimum at the grid's edge is censored: no slope, the check says extend the grid."""
    edge = [-6.3, -6.3, -6.3, -11.0]  # below the grid's first point at the widest width
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses(edge), _lr_losses(SHIFT), 0.95, n_boot=300)
    assert c.verdict == "inconclusive" and math.isnan(c.measured) and "extend the lr grid" in c.detail


def test_lr_optimum_slope_bootstrap_covers_the_true_slope():
    half = -0.5 * np.log2(np.asarray(LR_WIDTHS) / 64.0) - 5.0  # slope -1/2
    r = K.lr_optimum_slope(LR_WIDTHS, LOG2_LRS, _lr_losses(half, jitter=0.2), 0.95, n_boot=500)
    assert r["ci_low"] <= -0.5 <= r["ci_high"] and r["n_dropped"] == 0 and not r["censored"].any()


# --- rich_beats_lazy ---------------------------------------------------------------------------------


def test_rich_beats_lazy_pass_fail_inconclusive():
    taus = np.logspace(-2.2, 1, 4)
    trials = 10
    rich = np.stack([np.full(trials, v) for v in (1e-4, 5e-4, 2e-3, 2e-3)]) * np.exp(
        0.1 * RNG.standard_normal((4, trials))
    )
    assert K.check_rich_beats_lazy(taus, rich, 0.95).verdict == "pass"
    assert K.check_rich_beats_lazy(taus, rich[::-1], 0.95).verdict == "fail"  # lazy generalises better
    same = 1e-3 * np.exp(0.5 * RNG.standard_normal((4, trials)))
    same[-1] = same[0] + 1e-5 * RNG.standard_normal(trials)  # no paired difference
    assert K.check_rich_beats_lazy(taus, same, 0.95).verdict == "inconclusive"
    equal = np.full((4, trials), 1e-3)  # exactly equal losses: a zero-width interval at 0, not a pass
    assert K.check_rich_beats_lazy(taus, equal, 0.95).verdict == "inconclusive"


# --- identity ------------------------------------------------------------------------------------------


def test_mup_base_identity_holds_and_must_fail():
    a = RNG.random((3,))
    c = K.check_mup_base_identity({"width h_rel": (a, a.copy())})
    assert c.kind == "identity" and c.verdict == "pass" and c.measured == 0
    c = K.check_mup_base_identity({"width h_rel": (a * 1.01, a)})  # a muP factor != 1 at r = 1
    assert c.verdict == "fail" and c.measured == pytest.approx(0.01)
