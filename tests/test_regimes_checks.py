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


def test_alpha_lazy_exponent_inconclusive_without_lazy_alphas():
    c, _ = K.check_alpha_lazy(ALPHAS, _noisy(0.2 / ALPHAS), _noisy(np.full(11, 1.0)), 0.1, 0.95)
    assert c.verdict == "inconclusive" and math.isnan(c.measured)


# --- feature exponents -------------------------------------------------------------------------------

WIDTHS = np.array([256, 1024, 4096, 16384])


@pytest.mark.parametrize("param,alternative", [("ntk", 0.0), ("mup", -0.5), ("standard", -0.5)])
def test_feature_exponent_pass_and_must_fail(param, alternative):
    pred = K.FEATURE_PREDICTIONS[param][0]
    good = _noisy(0.05 * (WIDTHS / 256.0) ** pred)  # (W, S), lazy everywhere
    c, _ = K.check_feature_exponent(param, WIDTHS, good, 0.95, 0.1)
    assert c.verdict == "pass" and c.check == f"{param}_feature_exponent"
    bad = _noisy(0.05 * (WIDTHS / 256.0) ** alternative)
    c, _ = K.check_feature_exponent(param, WIDTHS, bad, 0.95, 0.1)
    assert c.verdict == "fail" and c.measured == pytest.approx(alternative, abs=0.03)


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

LOG2_LRS = np.arange(-5.0, 3.0)
LR_WIDTHS = [64, 128, 256, 512]


def _lr_losses(optimum, n_seeds=4, jitter=0.05):
    """loss (W, L, S): log loss a parabola in log2 lr with its vertex at optimum[w] (+ seed jitter)."""
    out = np.empty((len(optimum), len(LOG2_LRS), n_seeds))
    for w, o in enumerate(optimum):
        for s in range(n_seeds):
            v = o + jitter * RNG.standard_normal()
            out[w, :, s] = np.exp(0.3 * (LOG2_LRS - v) ** 2 - 1.0)
    return out


def test_optimum_log2_lr_known_answer():
    loss = np.exp(0.3 * (LOG2_LRS + 1.3) ** 2 - 1.0)
    assert K.optimum_log2_lr(LOG2_LRS, loss) == pytest.approx(-1.3, abs=1e-9)
    loss[-2:] = np.nan  # diverged runs (beyond the bracket) count as chance and never win
    assert K.optimum_log2_lr(LOG2_LRS, loss) == pytest.approx(-1.3, abs=1e-9)
    assert math.isnan(K.optimum_log2_lr(LOG2_LRS, np.exp(0.3 * (LOG2_LRS + 6) ** 2)))  # not bracketed


def test_mup_lr_transfer_pass_and_must_fail():
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses([-1.3] * 4), None, 0.95)
    assert c.verdict == "pass" and abs(c.measured) < 0.1
    assert K.lr_tolerance(LR_WIDTHS, LOG2_LRS) == pytest.approx(0.5 / 3)
    shifting = _lr_losses(-np.log2(np.asarray(LR_WIDTHS) / 64.0) + 1.0)  # optimum ~ 1/width: slope -1
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, shifting, None, 0.95)
    assert c.verdict == "fail" and c.measured == pytest.approx(-1.0, abs=0.1)
    c = K.check_lr_transfer(LR_WIDTHS, LOG2_LRS, _lr_losses([-1.3] * 4), shifting, 0.95)
    assert "slope -1.0" in c.power and "fail against 0" in c.power


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


# --- identity ------------------------------------------------------------------------------------------


def test_mup_base_identity_holds_and_must_fail():
    a = RNG.random((3,))
    c = K.check_mup_base_identity({"width h_rel": (a, a.copy())})
    assert c.kind == "identity" and c.verdict == "pass" and c.measured == 0
    c = K.check_mup_base_identity({"width h_rel": (a * 1.01, a)})  # a muP factor != 1 at r = 1
    assert c.verdict == "fail" and c.measured == pytest.approx(0.01)
