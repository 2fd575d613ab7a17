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
    assert checks.summary_line(df) == "2 predictions: 1 pass, 1 inconclusive, 0 fail (inconclusive: b)."
    df = checks.to_frame([checks.Check("a", "s", "p", 1.0, "t", False)])
    with pytest.raises(checks.TheoryCheckFailed, match="a \\(s\\)"):
        checks.enforce_strict(df, strict=True)
    # a failing identity fails a strict run as a failing prediction does
    df = checks.to_frame([checks.Check("a", "s", "p", 1.0, "t", True), _identity("z", False)])
    with pytest.raises(checks.TheoryCheckFailed, match="z \\(s\\)"):
        checks.enforce_strict(df, strict=True)


def _identity(check: str, passed: bool) -> checks.Check:
    return checks.Check(check, "s", "exact", 1e-12, "<= 1e-9", passed, kind="identity")


def test_summary_line_counts_predictions_and_identities_apart():
    rows = [
        checks.Check("p_ok", "s", "p", 1.0, "t", True),
        checks.Check("p_bad", "s", "p", 1.0, "t", False),
        checks.Check("p_unsure", "s", "p", 1.0, "t", verdict="inconclusive"),
        checks.Check("p_ok2", "s", "p", 1.0, "t", True),
        _identity("id_a", True),
        _identity("id_b", True),
    ]
    df = checks.to_frame(rows)
    assert checks.summary_line(df) == (
        "4 predictions: 2 pass, 1 inconclusive, 1 fail (inconclusive: p_unsure; fail: p_bad); "
        "2 identities hold."
    )
    s = checks.summary(df)
    assert (s["checks"], s["passed"], s["failed"], s["inconclusive"]) == (6, 4, 1, 1)
    assert (s["predictions"], s["predictions_passed"], s["identities"], s["identities_held"]) == (4, 2, 2, 2)
    assert s["failed_checks"] == ["p_bad"] and s["inconclusive_checks"] == ["p_unsure"]

    df = checks.to_frame(rows + [_identity("id_broken", False)])
    assert checks.summary_line(df).endswith("; 3 identities: 2 hold, 1 fail (id_broken).")
    s = checks.summary(df)
    assert s["failed_identities"] == ["id_broken"] and s["failed_predictions"] == ["p_bad"]
    assert s["failed_checks"] == ["p_bad", "id_broken"]  # every kind: what strict fails on

    only = checks.to_frame([_identity("id_a", True)])
    assert checks.summary_line(only) == "1 identity holds."


def test_table_without_kind_counts_every_row_as_a_prediction(tmp_path):
    """A checks file written before the kind / interval / power columns still loads (filled as a
    prediction with empty texts) and its rows count as predictions, even ones that look exact."""
    path = tmp_path / "old.csv"
    checks.write_checks(path, [checks.Check("a", "s", "p", 1.0, "t", True), _identity("b", True)])
    old = pd.read_csv(path).drop(columns=["kind", "interval", "power"])
    old.to_csv(path, index=False)
    assert "kind" not in pd.read_csv(path).columns
    assert checks.summary_line(old) == "2 predictions: 2 pass, 0 inconclusive, 0 fail."
    df = rep.read_checks(path)
    assert list(df.columns) == list(checks.COLUMNS)
    assert df["kind"].tolist() == ["prediction", "prediction"]
    assert df["interval"].tolist() == ["", ""] and df["power"].tolist() == ["", ""]
    assert checks.summary(df)["identities"] == 0
    new = tmp_path / "new.csv"  # merged with a file of the current format: the identity counts apart
    checks.write_checks(new, [_identity("c", True)])
    both = rep.collect_checks([path, new])
    assert both["kind"].tolist() == ["prediction", "prediction", "identity"]
    assert checks.summary_line(both) == "2 predictions: 2 pass, 0 inconclusive, 0 fail; 1 identity holds."
    # the same file with its kind column counts the identity apart
    checks.write_checks(path, [checks.Check("a", "s", "p", 1.0, "t", True), _identity("b", True)])
    assert (
        checks.summary_line(rep.read_checks(path))
        == "1 prediction: 1 pass, 0 inconclusive, 0 fail; 1 identity holds."
    )
    bad = pd.read_csv(path).assign(kind=["prediction", "theorem"])
    bad.to_csv(path, index=False)
    with pytest.raises(io.CorruptFileError, match="row 2: kind must be one of"):
        rep.read_checks(path)


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
