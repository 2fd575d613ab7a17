"""Stage spectra: each theory check on cases where it must pass and must fail, the helpers of the
learning-time measurement, and the outputs of the shared tiny run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.decay_asymptote import asymptotic_exponent, singular_spectrum
from pipeline.stages import spectra_analytic, spectra_common, spectra_gram, spectra_learning

K = np.arange(0, 129)


def power_spectrum(d: float, odd_scale: float = 0.0) -> np.ndarray:
    """A synthetic spectrum mu_0 = 1, mu_k = k^-d for even k and odd_scale * k^-d for odd k >= 3."""
    mu = np.maximum(K, 1.0) ** -d
    mu[3::2] *= odd_scale
    mu[1] = 0.5  # degree 1 is never zero
    return mu


DECAY = {"window": 0.125, "corrections": 2, "tol": 0.05}


def singular_fits(dims, a: float, k_max: int = 256) -> list[dict]:
    """Asymptotic-exponent fits of the known-answer spectra (1 - t)^a (exponent -(2 a + d - 1))."""
    return [asymptotic_exponent(singular_spectrum(d, a, k_max)) for d in dims]


def test_decay_exponent_check():
    ok = spectra_analytic.check_decay_exponent([2, 3, 6], singular_fits([2, 3, 6], 0.5), DECAY)
    assert ok.verdict == "pass" and ok.kind == "prediction"
    assert ok.ci_low <= ok.measured <= ok.ci_high and "Bietti" in ok.detail and ok.power
    # must fail: a kernel (1 - t)^0.55, exponent -d - 0.1, in one of the dimensions
    fits = singular_fits([2, 3], 0.5) + singular_fits([6], 0.55)
    bad = spectra_analytic.check_decay_exponent([2, 3, 6], fits, DECAY)
    assert bad.verdict == "fail" and "d = 6" in bad.prediction
    assert bad.measured == pytest.approx(-6.1, abs=0.01)
    # the old fixed window's pre-asymptotic slope (d = 5 over k = 16..128: -4.86) fails too
    k = np.arange(0, 257)
    mu = np.exp(-4.86 * np.log(np.maximum(k, 1)))
    assert spectra_analytic.check_decay_exponent([5], [asymptotic_exponent(mu)], DECAY).verdict == "fail"
    # an unresolved spectrum (negative eigenvalues at the top degrees) is inconclusive, not a pass
    mu_bad = singular_spectrum(5, 0.5, 256)
    mu_bad[200:] *= -1
    unres = spectra_analytic.check_decay_exponent([5], [asymptotic_exponent(mu_bad)], DECAY)
    assert unres.verdict == "inconclusive"


def test_odd_zero_check():
    nobias = [power_spectrum(2, 0.0), power_spectrum(3, 0.0)]
    bias = [power_spectrum(2, 0.5), power_spectrum(3, 0.5)]
    bias[0][1] = bias[1][1] = 0.5
    check = spectra_analytic.check_odd_zero
    assert check([2, 3], nobias, bias, 1e-8, 0.05, 40, 1e-15).verdict == "pass"
    assert check([2, 3], nobias, bias, 1e-8, 0.05, 40, 1e-15).kind == "identity"
    leaky = [power_spectrum(2, 1e-6), power_spectrum(3, 0.0)]
    assert check([2, 3], leaky, bias, 1e-8, 0.05, 40, 1e-15).verdict == "fail"
    no_restore = [power_spectrum(2, 0.01), power_spectrum(3, 0.5)]
    assert check([2, 3], nobias, no_restore, 1e-8, 0.05, 40, 1e-15).verdict == "fail"


def test_depth_decay_check():
    fits = [singular_fits([d], 0.5) * 3 for d in (2, 3)]  # [d][depth], depths 1, 2, 3
    ok = spectra_analytic.check_depth_decay([2, 3], [1, 2, 3], fits, DECAY)
    assert ok.verdict == "pass" and ok.kind == "prediction"
    # must fail: depth 3 of d = 3 decays like k^-3.1 (a depth-dependent exponent)
    fits[1][2] = singular_fits([3], 0.55)[0]
    bad = spectra_analytic.check_depth_decay([2, 3], [1, 2, 3], fits, DECAY)
    assert bad.verdict == "fail" and "depth 3, d = 3" in bad.prediction


GRAM = {"tol": 0.5, "fit_n_min": 100}


def gram_errors_of_size(scale: float, const, ns, seeds: int = 16, seed: int = 0) -> np.ndarray:
    """Synthetic errors err (D, n_N, S) with N err^2 / C_d^2 = scale^2 * chi^2_4 / 4 (mean scale^2)."""
    rng = np.random.default_rng(seed)
    chi = rng.chisquare(4, (len(const), len(ns), seeds)) / 4
    return scale * np.asarray(const)[:, None, None] * np.sqrt(chi / np.asarray(ns)[None, :, None])


def test_gram_check():
    ns, const, n_top = np.array([100, 200, 400]), np.array([1.2, 1.8]), np.array([7, 18])
    ok = spectra_gram.check_gram(
        [2, 3], ns, gram_errors_of_size(1.0, const, ns), const, 0 * const, n_top, GRAM, 0.95
    )
    assert ok.verdict == "pass" and ok.measured == pytest.approx(1.0, abs=0.2) and ok.kind == "prediction"
    # must fail: errors 1.6 times the CLT size (mean rho 2.56) in one d
    err = gram_errors_of_size(1.0, const, ns)
    err[1] *= 1.6
    bad = spectra_gram.check_gram([2, 3], ns, err, const, 0 * const, n_top, GRAM, 0.95)
    assert bad.verdict == "fail" and "d = 3" in bad.prediction
    # too few draws to tell: inconclusive
    few = gram_errors_of_size(1.3, const, ns[-1:], seeds=2, seed=3)
    c = spectra_gram.check_gram([2, 3], ns[-1:], few, const, 0 * const, n_top, GRAM, 0.95)
    assert c.verdict == "inconclusive"


def test_gram_constant_and_blocks():
    from pipeline import sphere_spectrum as ss

    mu = power_spectrum(3, 0.0)  # odd k >= 3 exactly zero
    ks = spectra_gram.compared_degrees(mu, 3, 4, 100)
    assert ks == [0, 1, 2, 4]
    assert spectra_gram.compared_degrees(mu, 3, 4, 10) == [0, 1, 2]  # 1 + 3 + 5 <= 10 < 18
    m = ss.multiplicity(3, np.array(ks))
    assert spectra_gram.block_values(mu, 3, ks).size == m.sum()
    expect = np.sqrt(sum(mu[k] ** 2 * mk * (mk - 1) for k, mk in zip(ks, m))) / mu[0]
    assert spectra_gram.predicted_constant(mu, 3, ks) == pytest.approx(expect)
    # the second-order bias sum, written out for degree 0 alone: (sum_l mu_0 mu_l N(3, l) / (mu_0 - mu_l))^2
    l = np.flatnonzero((np.abs(mu) > 1e-9) & (np.arange(mu.size) > 0))
    b0 = np.sum(mu[0] * mu[l] * ss.multiplicity(3, l) / (mu[0] - mu[l]))
    assert spectra_gram.second_order(mu, 3, [0]) == pytest.approx(b0**2 / mu[0] ** 2)


def test_gram_constant_predicts_error():
    """The first-order constant C_d on a real Gram matrix: N err^2 / C_d^2 averages near 1."""
    from pipeline import sphere_spectrum as ss
    from pipeline.models import MLPSpec

    d, n, draws = 5, 200, 12
    spec = MLPSpec.from_config(
        {"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": None, "input_scaling": "unscaled"}, 1, d
    )
    mu = ss.mlp_spectrum(spec, 16)
    ks = spectra_gram.compared_degrees(mu, d, 2, n // 4)
    ana = spectra_gram.block_values(mu, d, ks)
    pts = np.stack([ss.sphere_points(n, d, np.random.default_rng([5, s])) for s in range(draws)])
    lam = ss.gram_eigenvalues(spec, pts)[:, : ana.size]
    c, b = spectra_gram.predicted_constant(mu, d, ks), spectra_gram.second_order(mu, d, ks)
    rho = n * np.sum((lam - ana) ** 2, axis=1) / mu[0] ** 2 / spectra_gram.predicted_ms(n, c, b)
    assert 0.6 < rho.mean() < 1.5


def test_circle_check():
    exact = np.abs(np.random.default_rng(1).standard_normal((2, 2, 9)))
    check = spectra_analytic.check_circle
    assert check(exact, exact * (1 + 1e-9), 16, 1e-6).verdict == "pass"
    assert check(exact, exact * 1.01, 16, 1e-6).verdict == "fail"
    assert check(exact, exact, 16, 1e-6).kind == "identity"  # the aliasing sum is exact


def test_learning_check():
    ks = np.array([1, 2, 4, 6, 8, 10, 12])
    rng = np.random.default_rng(2)
    pred = (10.0 * ks.astype(float) ** 2.05)[None].repeat(3, 0)
    meas = pred * np.exp(0.005 * rng.standard_normal(pred.shape))

    def check(ks, times, pred, n_steps=2500):
        return spectra_learning.check_learning(ks, times, pred, 4, 0.05, 0.95, 8192, n_steps)

    c = check(ks, meas, pred)
    assert c.verdict == "pass" and c.measured == pytest.approx(2.05, abs=0.02) and c.kind == "prediction"
    # must fail: the steps grow like k^2.2 (the width-2048 net) against a lazy slope of 2.05
    slow = (10.0 * ks.astype(float) ** 2.2)[None].repeat(3, 0)
    slow *= np.exp(0.005 * rng.standard_normal(pred.shape))
    assert check(ks, slow, pred).verdict == "fail"
    # the fitted harmonics are chosen from the prediction: k = 12 (lazy e-fold step 1630) is left out of
    # a 1500-step run (1630 > 0.8 x 1500) even where every seed counted it, never extrapolated
    c = check(ks, meas, pred, n_steps=1500)
    assert "k in [4, 6, 8, 10]" in c.interval and c.verdict == "pass"
    assert "predicted later (left out, never extrapolated): [12]" in c.detail
    # a harmonic predicted within the run but not reached in a seed (NaN) is left out of the fit and
    # rules out a pass (it is >= 25 % slower than the lazy prediction)
    part = meas.copy()
    part[1, -1] = np.nan
    c = check(ks, part, pred)
    assert "k in [4, 6, 8, 10]" in c.interval
    assert "PREDICTED WITHIN THE RUN BUT NOT REACHED in some seed" in c.detail and "[12]" in c.detail
    assert c.verdict == "inconclusive"
    # fewer than 2 learned harmonics: inconclusive
    none = meas.copy()
    none[:, 3:] = np.nan
    assert check(ks, none, pred).verdict == "inconclusive"
    noisy = pred * np.exp(0.3 * rng.standard_normal(pred.shape))
    assert check(ks, noisy, pred).verdict == "inconclusive"


def test_harmonic_norms_and_efold():
    n = 32
    g, x, y = spectra_learning.circle_target(n, [2, 5], 1.0)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0)
    r = spectra_learning.harmonic_norms(y, g, [1, 2, 5])
    np.testing.assert_allclose(r, [0.0, np.sqrt(n / 2), np.sqrt(n / 2)], atol=1e-12)
    steps = np.arange(0, 101, 10)
    rr = np.exp(-np.outer(steps, [0.05, 0.001]))
    t = spectra_learning.efold_step(steps, rr)
    assert t[0] == pytest.approx(20.0, rel=1e-9) and np.isnan(t[1])


def test_window_slope_parity():
    mu = power_spectrum(3, 0.5)
    k = np.arange(16, 129)
    assert spectra_analytic.window_slope(mu, k[k % 2 == 0]) == pytest.approx(-3.0, abs=0.15)
    assert spectra_analytic.window_slope(mu, k[k % 2 == 1]) == pytest.approx(-3.0, abs=0.15)


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
    exps = pd.read_csv(res / "tables" / "spectra_exponents.csv")
    assert {"exponent", "ci_low", "ci_high", "window_slope"} <= set(exps.columns)
    gram = pd.read_csv(res / "tables" / "spectra_gram.csv")
    assert {"constant", "second_order", "rho"} <= set(gram.columns)
    # every prediction states its interval and power
    for name in ("sphere_decay_exponent", "depth_same_decay"):
        assert by.loc[name, "kind"] == "prediction" and by.loc[name, "power"]
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
    spectra_common.check_section(sec)
    for key, value, match in (
        ("decay", {**sec["decay"], "window": 0.9}, "decay.window"),
        ("depths", [2, 3], "depths"),
    ):
        bad = {**sec, key: value}
        with pytest.raises(ConfigError, match=match):
            spectra_common.check_section(bad)
    bad = {**sec, "learning": {**sec["learning"], "harmonics": [1, 2, 20]}}
    with pytest.raises(ConfigError, match="harmonics"):
        spectra_common.check_section(bad)
