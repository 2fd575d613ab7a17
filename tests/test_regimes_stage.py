"""Stage regimes: each theory check on synthetic measurements (a case that passes, one that must
fail), small runs of the experiments, and the outputs of the shared tiny run."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stages import regimes as R

RNG = np.random.default_rng(0)


def _noisy(clean, n_seeds=4, sd=0.01):
    """(n_seeds, ...) copies of ``clean`` with small multiplicative log-normal noise."""
    return clean[None] * np.exp(sd * RNG.standard_normal((n_seeds,) + np.shape(clean)))


# --- alpha_lazy_exponent ---------------------------------------------------------------------


def test_alpha_lazy_exponent_pass_and_fail():
    alphas = np.logspace(-3, 2, 11)
    lazy = 0.2 / alphas  # distance O(1/alpha)
    w_rel = np.where(alphas < 0.3, 1.0, lazy)  # rich half flat: not fitted
    c, fit = R.check_alpha_lazy(alphas, _noisy(w_rel).T, 0.5, 0.95)
    assert c.verdict == "pass" and abs(c.measured + 1) < 0.02 and fit["n_lazy"] == 6
    c, _ = R.check_alpha_lazy(alphas, _noisy(0.2 / np.sqrt(alphas)).T, 0.5, 0.95)  # O(alpha^-1/2): wrong
    assert c.verdict == "fail"
    c, _ = R.check_alpha_lazy(alphas, _noisy(lazy * alphas**0.15, sd=1.0).T, 0.5, 0.95)  # CI too wide
    assert c.verdict == "inconclusive"


# --- feature exponents -------------------------------------------------------------------------


@pytest.mark.parametrize("param,target,tol", [("mup", 0.0, 0.1), ("ntk", -0.5, 0.15)])
def test_feature_exponent_pass_and_fail(param, target, tol):
    widths = np.array([256, 1024, 4096, 16384])
    name = f"{param}_feature_exponent"
    good = _noisy(0.1 * (widths / 256.0) ** target).T  # (W, S)
    c, _ = R.check_feature_exponent(name, param, widths, good, target, tol, 0.95)
    assert c.verdict == "pass" and c.check == name
    wrong = -0.5 if param == "mup" else 0.0  # muP that stays lazy / NTK that learns features
    bad = _noisy(0.1 * (widths / 256.0) ** wrong).T
    assert R.check_feature_exponent(name, param, widths, bad, target, tol, 0.95)[0].verdict == "fail"


# --- mup_coord_check -----------------------------------------------------------------------------


def _coord(widths, slopes, n_opt=2, n_seeds=5, steps=3):
    """mean_abs (O, W, S, steps, L) whose curve l grows like width^slopes[l] at every step."""
    w = np.asarray(widths, float)
    curves = np.stack([(w / w[0]) ** s for s in slopes], -1)  # (W, L)
    arr = np.broadcast_to(curves[None, :, None, None, :], (n_opt, len(w), n_seeds, steps, len(slopes)))
    return arr * np.exp(0.01 * RNG.standard_normal(arr.shape))


def test_mup_coord_check_pass_and_fail():
    widths = [128, 256, 512, 1024, 2048]
    flat = _coord(widths, [0.0, 0.0, 0.0])
    sp = _coord(widths, [0.0, 0.5, 1.0])
    c = R.check_coord(widths, flat, sp, ["sgd", "adam"], 0.95)
    assert c.verdict == "pass"
    assert "steepest slope (not a pass condition): 1.0" in c.detail
    c = R.check_coord(widths, _coord(widths, [0.0, 0.0, 0.5]), sp, ["sgd", "adam"], 0.95)  # output blows up
    assert c.verdict == "fail" and c.measured == pytest.approx(0.5, abs=0.02)


# --- mup_lr_transfer -----------------------------------------------------------------------------


def _lr_losses(best_idx, n_lrs=8, n_seeds=2):
    """loss (W, L, S): a parabola in log2 lr with its minimum at best_idx[w], lower for wider nets."""
    k = np.arange(n_lrs)
    loss = np.stack([0.1 * (k - b) ** 2 + 1.0 - 0.01 * i for i, b in enumerate(best_idx)])
    return np.repeat(loss[..., None], n_seeds, -1)


def test_mup_lr_transfer_pass_and_fail():
    widths, lrs = [64, 128, 256, 512], np.arange(-5, 3)
    c = R.check_lr_transfer(widths, lrs, _lr_losses([3, 3, 4, 4]), _lr_losses([5, 4, 3, 2]))
    assert c.verdict == "pass" and c.measured == 1
    assert (
        "shift 3 grid steps" in c.detail
        and "'wider is better' (loss at the best lr non-increasing in width): True" in c.detail
    )
    diverged = _lr_losses([3, 3, 3, 3])
    diverged[:, -1] = np.nan  # diverged runs never win
    assert R.check_lr_transfer(widths, lrs, diverged, None).verdict == "pass"
    c = R.check_lr_transfer(widths, lrs, _lr_losses([5, 4, 3, 2]), None)
    assert c.verdict == "fail" and c.measured == 3


# --- rich_beats_lazy -----------------------------------------------------------------------------


def test_rich_beats_lazy_pass_fail_inconclusive():
    taus = np.logspace(-2.2, 1, 4)
    trials = 10
    rich = np.stack([np.full(trials, v) for v in (1e-4, 5e-4, 2e-3, 2e-3)]) * np.exp(
        0.1 * RNG.standard_normal((4, trials))
    )
    assert R.check_rich_beats_lazy(taus, rich, 0.95).verdict == "pass"
    assert R.check_rich_beats_lazy(taus, rich[::-1], 0.95).verdict == "fail"
    same = 1e-3 * np.exp(0.5 * RNG.standard_normal((4, trials)))
    same[-1] = same[0] + 1e-5 * RNG.standard_normal(trials)  # no paired difference
    assert R.check_rich_beats_lazy(taus, same, 0.95).verdict == "inconclusive"


# --- small runs of the experiments ---------------------------------------------------------------


def _circle(n=16, m=24):
    g, gt = np.linspace(0, 2 * np.pi, n, endpoint=False), np.linspace(0, 2 * np.pi, m, endpoint=False) + 0.1
    f = lambda t: np.cos(t) + np.cos(2 * t)  # noqa: E731
    return {
        "x_train": np.stack([np.cos(g), np.sin(g)], 1).astype(np.float32),
        "y_train": f(g).astype(np.float32),
        "x_test": np.stack([np.cos(gt), np.sin(gt)], 1).astype(np.float32),
        "y_test": f(gt).astype(np.float32),
    }


def test_alpha_sweep_small_run():
    alphas = np.array([0.01, 1.0, 100.0, 1000.0])
    res = R.alpha_sweep(_circle(), 64, alphas, 2, 20, 0.5, 0)
    assert res["w_rel"].shape == (4, 2)
    assert np.all(np.isfinite(res["w_rel"]))
    # lazy end: distance O(1/alpha), patterns frozen; rich end: weights and patterns move
    ratio = res["w_rel"][2] / res["w_rel"][3]
    np.testing.assert_allclose(ratio, 10.0, rtol=0.05)
    assert res["pattern_frac"][3].max() == 0.0 and res["pattern_frac"][0].min() > 0.2
    assert np.all(res["lin_gap"][3] < res["lin_gap"][0])


def test_teacher_student_small_run_symmetrised():
    res = R.teacher_student(5, 20, 20, 2, 6, [-2.0, 1.0], 2, 4, 2, 10.0, 0.1, 0)
    assert res["test_loss_final"].shape == (2, 2) and res["steps"] == 4
    assert np.all(res["test_loss_best"] <= res["test_loss_final"] + 1e-7)


# --- the stage in the shared tiny run ------------------------------------------------------------


@pytest.mark.slow
def test_tiny_run_outputs(tiny_run):
    import pandas as pd

    res = tiny_run / "results"
    checks = pd.read_csv(res / "checks" / "regimes.csv")
    assert set(checks["check"]) == {
        "alpha_lazy_exponent",
        "mup_feature_exponent",
        "ntk_feature_exponent",
        "mup_coord_check",
        "mup_lr_transfer",
        "rich_beats_lazy",
    }
    assert set(checks["verdict"]) <= {"pass", "fail", "inconclusive"}
    assert (checks["stage"] == "regimes").all()
    for name in ("alpha", "width", "coord", "lr", "teacher", "exponents"):
        df = pd.read_csv(res / "tables" / f"regimes_{name}.csv")
        assert len(df) > 0
    for fig in ("alpha_sweep", "width_sweep", "coord_check", "lr_transfer", "teacher_student"):
        assert (res / "figures" / "regimes" / f"{fig}.png").stat().st_size > 10_000
    alpha = pd.read_csv(res / "tables" / "regimes_alpha.csv")
    assert alpha["alpha"].max() / alpha["alpha"].min() >= 1e4 - 1e-6
