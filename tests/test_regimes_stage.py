"""Stage regimes: small runs of the experiments and the outputs of the shared tiny run (the theory
checks' pass / must-fail tests: test_regimes_checks.py)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stages import regimes_lazy as L
from pipeline.stages import regimes_mup as M

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
    res = L.alpha_sweep(_circle(), 64, alphas, 2, 20, 0.5, 0)
    assert res["w_rel"].shape == (4, 2) and res["converged"].shape == (4, 2)
    # converged: the final train loss at most converge_fraction x the initial loss 1/2 mean y^2
    np.testing.assert_array_equal(res["converged"], res["train_loss"] <= 0.3 * res["loss0"])
    first = res["first_converged_step"]
    assert np.all((first == -1) | ((first >= 0) & (first < 20)))
    assert np.all(np.isfinite(res["w_rel"]))
    # lazy end: distance O(1/alpha), patterns frozen; rich end: weights and patterns move
    ratio = res["w_rel"][2] / res["w_rel"][3]
    np.testing.assert_allclose(ratio, 10.0, rtol=0.05)
    assert res["pattern_frac"][3].max() == 0.0 and res["pattern_frac"][0].min() > 0.2
    assert np.all(res["lin_gap"][3] < res["lin_gap"][0])


def test_teacher_student_small_run_symmetrised():
    res = L.teacher_student(5, 20, 20, 2, 6, [-2.0, 1.0], 2, 4, 2, 10.0, 0.1, 0)
    assert res["test_loss_final"].shape == (2, 2) and res["steps"] == 4
    assert np.all(res["test_loss_best"] <= res["test_loss_final"] + 1e-7)


def test_width_sweep_small_run_mup_is_standard_at_base_width():
    """The identity mup_is_standard_at_base_width on a real run: same draws and steps give the same
    numbers at the base width, and different ones at twice the base width."""
    res = M.width_sweep(_circle(), ["mup", "standard"], [8, 16], 2, 3, 0.5, "inverse_width", 0)
    assert res["h_rel"].shape == (2, 2, 2)
    np.testing.assert_array_equal(res["h_rel"][0, 0], res["h_rel"][1, 0])
    assert not np.allclose(res["h_rel"][0, 1], res["h_rel"][1, 1])


def test_lr_transfer_small_run():
    res = M.lr_transfer(
        ["mup", "standard"], [8, 16], 1, [-8.0, -1.0, 30.0], 2, 8, 8, "adam", 0, base_width=16
    )
    loss = res["train_loss"]
    assert loss.shape == (2, 2, 3, 2) and np.isfinite(loss).all() and M.last_quarter(8) == 2
    assert np.all(loss <= np.log(10.0) + 1e-6)  # averaged over the last quarter, each step capped at ln 10
    np.testing.assert_allclose(loss[0, 1], loss[1, 1], rtol=1e-6)  # muP = standard at its base width 16
    assert not np.allclose(loss[0, 0], loss[1, 0])


def test_width_sweep_mup_with_a_tiny_step_fails_the_size_condition():
    """The stated alternative of mup_feature_exponent on a real run: muP whose first layer barely
    moves (base width = smallest width, lr 1e-3 x 1 / lambda_max) gives a flat slope of almost
    nothing and fails; the mean-field base (width 1) at the default lr passes the size condition."""
    from pipeline.stages import regimes_checks as K

    widths = [16, 64, 256]
    lrs = {"ntk": 0.5, "mup": 1e-3}
    res = M.width_sweep(_circle(), ["ntk", "mup"], widths, 3, 10, lrs, "inverse_width", 0)
    c, fit = K.check_feature_exponent("mup", widths, res["h_rel"][1], 0.95, 0.1, ntk_h_rel=res["h_rel"][0])
    assert fit["size"]["verdict"] == "fail" and c.verdict == "fail"
    res = M.width_sweep(
        _circle(),
        ["ntk", "mup"],
        widths,
        3,
        10,
        {"ntk": 0.5, "mup": 0.25},
        "inverse_width",
        0,
        mup_base_width=1,
    )
    _, fit = K.check_feature_exponent("mup", widths, res["h_rel"][1], 0.95, 0.1, ntk_h_rel=res["h_rel"][0])
    assert fit["size"]["verdict"] == "pass"


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
        "standard_feature_exponent",
        "mup_lr_transfer",
        "rich_beats_lazy",
        "mup_is_standard_at_base_width",
    }
    ident = checks[checks["check"] == "mup_is_standard_at_base_width"].iloc[0]
    assert ident["kind"] == "identity" and ident["verdict"] == "pass"
    preds = checks[checks["kind"] == "prediction"]
    assert preds["power"].astype(str).str.len().gt(0).all() and preds["interval"].notna().all()
    assert set(checks["verdict"]) <= {"pass", "fail", "inconclusive"}
    assert (checks["stage"] == "regimes").all()
    for name in ("alpha", "width", "coord", "lr", "teacher", "exponents"):
        df = pd.read_csv(res / "tables" / f"regimes_{name}.csv")
        assert len(df) > 0
    for fig in ("alpha_sweep", "width_sweep", "coord_check", "lr_transfer", "teacher_student"):
        assert (res / "figures" / "regimes" / f"{fig}.png").stat().st_size > 10_000
    alpha = pd.read_csv(res / "tables" / "regimes_alpha.csv")
    assert alpha["alpha"].max() / alpha["alpha"].min() >= 1e4 - 1e-6


def test_coord_check_small_run_standard_must_fail():
    """mup_coord_check's must-fail case on a real run: the standard parameterisation with Adam,
    judged by the muP rule, fails (its output after one step grows like width); muP does not fail."""
    from pipeline.stages import regimes_checks as K

    widths = [32, 64, 128, 256]
    res = M.coord_check(["mup", "standard"], ["adam"], widths, 2, 4, 16, 3, {"adam": 0.01}, True, 0)
    mean_abs = res["mean_abs"]  # (P, O, W, S, steps, layers)
    assert K.check_coord(widths, mean_abs[1], None, ["adam"], 0.95).verdict == "fail"
    assert K.check_coord(widths, mean_abs[0], mean_abs[1], ["adam"], 0.95).verdict != "fail"
