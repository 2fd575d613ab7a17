"""Stage spectra: each theory check on cases where it must pass and must fail, the helpers of the
learning-time measurement, and the outputs of the shared tiny run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stages import spectra

K = np.arange(0, 129)


def power_spectrum(d: float, odd_scale: float = 0.0) -> np.ndarray:
    """A synthetic spectrum mu_0 = 1, mu_k = k^-d for even k and odd_scale * k^-d for odd k >= 3."""
    mu = np.maximum(K, 1.0) ** -d
    mu[3::2] *= odd_scale
    mu[1] = 0.5  # degree 1 is never zero
    return mu


def test_decay_exponent_check():
    ok = spectra.check_decay_exponent([2, 3], [power_spectrum(2), power_spectrum(3)], (16, 128), 0.2)
    assert ok.verdict == "pass" and ok.passed
    bad = spectra.check_decay_exponent([2, 3], [power_spectrum(2), power_spectrum(2.5)], (16, 128), 0.2)
    assert bad.verdict == "fail" and bad.measured == pytest.approx(-2.5, abs=0.05)
    assert "d=3" in bad.detail and "Bietti" in bad.detail


def test_odd_zero_check():
    nobias = [power_spectrum(2, 0.0), power_spectrum(3, 0.0)]
    bias = [power_spectrum(2, 0.5), power_spectrum(3, 0.5)]
    bias[0][1] = bias[1][1] = 0.5
    assert spectra.check_odd_zero([2, 3], nobias, bias, 1e-8, 0.05, 40, 1e-15).verdict == "pass"
    assert spectra.check_odd_zero([2, 3], nobias, bias, 1e-8, 0.05, 40, 1e-15).kind == "identity"
    leaky = [power_spectrum(2, 1e-6), power_spectrum(3, 0.0)]
    assert spectra.check_odd_zero([2, 3], leaky, bias, 1e-8, 0.05, 40, 1e-15).verdict == "fail"
    no_restore = [power_spectrum(2, 0.01), power_spectrum(3, 0.5)]
    assert spectra.check_odd_zero([2, 3], nobias, no_restore, 1e-8, 0.05, 40, 1e-15).verdict == "fail"


def test_depth_decay_check():
    assert spectra.check_depth_decay(
        [2, 3], [1, 2, 3], [[-2.0, -2.01, -1.98], [-3.0, -2.9, -3.1]], 0.2
    ).passed
    bad = spectra.check_depth_decay([2, 3], [1, 2], [[-2.0, -2.5], [-3.0, -3.0]], 0.2)
    assert bad.verdict == "fail" and bad.measured == pytest.approx(0.5)


def test_gram_check():
    rng = np.random.default_rng(0)
    ns = np.array([50, 100, 200, 400])
    good = 0.5 / np.sqrt(ns)[None, :, None] * np.exp(0.1 * rng.standard_normal((2, 4, 8)))
    c = spectra.check_gram([2, 3], ns, good, 3.0, 0.95, 4)
    assert c.verdict == "pass" and c.measured == pytest.approx(-0.5, abs=0.1)
    assert spectra.check_gram([2, 3], ns, 10 * good, 3.0, 0.95, 4).verdict == "fail"  # above the bound
    flat = 0.01 * np.exp(0.5 * rng.standard_normal((2, 4, 8)))  # small but not shrinking with N
    assert spectra.check_gram([2, 3], ns, flat, 3.0, 0.95, 4).verdict == "inconclusive"


def test_circle_check():
    exact = np.abs(np.random.default_rng(1).standard_normal((2, 2, 9)))
    assert spectra.check_circle(exact, exact * (1 + 1e-9), 16, 1e-6).verdict == "pass"
    assert spectra.check_circle(exact, exact * 1.01, 16, 1e-6).verdict == "fail"
    assert spectra.check_circle(exact, exact, 16, 1e-6).kind == "identity"  # the aliasing sum is exact


def test_learning_check():
    ks = np.array([1, 2, 4, 6, 8, 10, 12])
    rng = np.random.default_rng(2)
    pred = (10.0 * ks.astype(float) ** 2)[None].repeat(3, 0)
    meas = pred * np.exp(0.03 * rng.standard_normal(pred.shape))
    c = spectra.check_learning(ks, meas, pred, 4, 0.3, 0.95, 2048, 2500)
    assert c.verdict == "pass" and c.measured == pytest.approx(2.0, abs=0.1)
    linear = 10.0 * ks[None].repeat(3, 0).astype(float)
    assert spectra.check_learning(ks, linear, pred, 4, 0.3, 0.95, 2048, 2500).verdict == "fail"
    noisy = pred * np.exp(1.0 * rng.standard_normal(pred.shape))
    assert spectra.check_learning(ks, noisy, pred, 4, 0.3, 0.95, 2048, 2500).verdict == "inconclusive"
    # the analytic slope is held to the law too
    assert spectra.check_learning(ks, meas, linear, 4, 0.3, 0.95, 2048, 2500).verdict == "fail"


def test_harmonic_norms_and_efold():
    n = 32
    g, x, y = spectra.circle_target(n, [2, 5], 1.0)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0)
    r = spectra.harmonic_norms(y, g, [1, 2, 5])
    np.testing.assert_allclose(r, [0.0, np.sqrt(n / 2), np.sqrt(n / 2)], atol=1e-12)
    steps = np.arange(0, 101, 10)
    rr = np.exp(-np.outer(steps, [0.05, 0.001]))
    t = spectra.efold_step(steps, rr)
    assert t[0] == pytest.approx(20.0, rel=1e-9) and np.isnan(t[1])


def test_decay_exponent_parity():
    mu = power_spectrum(3, 0.5)
    assert spectra.decay_exponent(mu, 16, 128, "even") == pytest.approx(-3.0, abs=0.15)
    assert spectra.decay_exponent(mu, 16, 128, "odd") == pytest.approx(-3.0, abs=0.15)


def test_config_defaults():
    from conftest import TINY, load_yaml

    from pipeline.config import ConfigError, validate_config

    cfg = load_yaml(TINY)
    cfg.pop("spectra", None)
    validate_config(cfg)
    sec = cfg["spectra"]
    assert sec["dims"] == [2, 3, 5] and sec["k_max"] == 256 and sec["learning"]["harmonics"][-1] == 12
    cfg = load_yaml(TINY)
    cfg["spectra"]["bogus"] = 1
    with pytest.raises(ConfigError, match="spectra"):
        validate_config(cfg)


@pytest.mark.slow
def test_tiny_run_outputs(tiny_run):
    res = tiny_run / "results"
    checks = pd.read_csv(res / "checks" / "spectra.csv")
    assert set(checks["check"]) == {
        "sphere_decay_exponent",
        "sphere_odd_zero",
        "depth_same_decay",
        "gram_matches_analytic",
        "circle_matches_exact",
        "learning_time_exponent",
    }
    assert set(checks["verdict"]) <= {"pass", "fail", "inconclusive"}
    by = checks.set_index("check")
    # the noiseless analytic checks hold even at the tiny size
    for name in ("sphere_decay_exponent", "sphere_odd_zero", "depth_same_decay", "circle_matches_exact"):
        assert by.loc[name, "verdict"] == "pass", by.loc[name].to_dict()
    for t in ("eigenvalues", "exponents", "gram", "learning"):
        assert len(pd.read_csv(res / "tables" / f"spectra_{t}.csv")) > 0
    for f in ("decay", "gram", "learning_time"):
        assert (res / "figures" / "spectra" / f"{f}.png").stat().st_size > 10_000
    import json

    meta = json.loads((res / "spectra" / "analytic.npz.json").read_text())
    assert meta["rule"] == "spectra_analytic"
    ana = np.load(res / "spectra" / "analytic.npz")
    assert ana["accuracy"].max() < 1e-12


def test_section_consistency(tiny_config):
    from pipeline.config import ConfigError, validate_config

    sec = validate_config(tiny_config)["spectra"]
    spectra.check_section(sec)
    for key, value, match in (("decay_fit_k", [16, 1000], "decay_fit_k"), ("depths", [2, 3], "depths")):
        bad = {**sec, key: value}
        with pytest.raises(ConfigError, match=match):
            spectra.check_section(bad)
    bad = {**sec, "learning": {**sec["learning"], "harmonics": [1, 2, 20]}}
    with pytest.raises(ConfigError, match="harmonics"):
        spectra.check_section(bad)
