"""The shared fitting helpers (pipeline.fits) and the three-valued verdicts (pipeline.checks)."""

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import checks, io
from pipeline.fits import fit_exponent, mean_ci, verdict_from_ci
from pipeline.stages import report as rep


def test_fit_exponent_keeps_each_seeds_finite_points():
    x = np.array([16.0, 64.0, 256.0, 1024.0])
    vals = np.vstack([3 * x**-0.5, 2 * x**-0.5, 5 * x**-0.5])
    vals[1, 2] = np.nan  # a diverged run leaves its own seed's fit only
    r = fit_exponent(x, vals)
    np.testing.assert_allclose(r["slopes"], -0.5, atol=1e-12)
    assert r["n_seeds"] == 3 and r["ci_low"] <= -0.5 <= r["ci_high"]
    assert fit_exponent(x[:1], vals[:, :1])["n_seeds"] == 0
    assert math.isnan(fit_exponent(x, vals[:1])["ci_low"])  # one seed: no interval


def test_mean_ci_t_interval():
    r = mean_ci([1.0, 2.0, 3.0, np.nan])
    assert r["n"] == 3 and r["mean"] == 2.0
    assert r["ci_high"] - 2.0 == pytest.approx(4.302652729911275 * 1.0 / math.sqrt(3))


@pytest.mark.parametrize(
    "lo, hi, expect",
    [
        (-0.55, -0.45, "pass"),
        (-0.3, -0.2, "fail"),
        (-0.7, -0.4, "inconclusive"),
        (math.nan, math.nan, "inconclusive"),
    ],
)
def test_verdict_from_ci(lo, hi, expect):
    assert verdict_from_ci(lo, hi, -0.65, -0.35) == expect


def test_check_verdict_and_passed_agree():
    c = checks.Check("c", "s", "p", 1.0, "t", verdict="inconclusive")
    assert c.passed is False and c.row()["verdict"] == "inconclusive"
    assert checks.Check("c", "s", "p", 1.0, "t", True).verdict == "pass"
    with pytest.raises(ValueError, match="contradicts"):
        checks.Check("c", "s", "p", 1.0, "t", True, verdict="fail")
    with pytest.raises(ValueError, match="verdict must be one of"):
        checks.Check("c", "s", "p", 1.0, "t", verdict="maybe")


def test_strict_fails_on_fail_only():
    df = checks.to_frame(
        [
            checks.Check("a", "s", "p", 1.0, "t", True),
            checks.Check("b", "s", "p", 1.0, "t", verdict="inconclusive"),
        ]
    )
    checks.enforce_strict(df, strict=True)  # inconclusive does not fail a run
    assert checks.summary_line(df) == "2 theory checks: 1 passed, 0 failed, 1 inconclusive (inconclusive: b)."
    df = checks.to_frame([checks.Check("a", "s", "p", 1.0, "t", False)])
    with pytest.raises(checks.TheoryCheckFailed, match="a \\(s\\)"):
        checks.enforce_strict(df, strict=True)


def test_read_checks_verdict_column(tmp_path):
    path = tmp_path / "c.csv"
    checks.write_checks(path, [checks.Check("a", "s", "p", 1.0, "t", verdict="inconclusive")])
    assert rep.read_checks(path)["verdict"].tolist() == ["inconclusive"]
    df = pd.read_csv(path)
    df.drop(columns="verdict").to_csv(path, index=False)  # a file from before the verdict column
    assert rep.read_checks(path)["verdict"].tolist() == ["fail"]
    df.assign(passed=True).to_csv(path, index=False)
    with pytest.raises(io.CorruptFileError, match="contradicts verdict"):
        rep.read_checks(path)
