"""The asymptotic decay exponent of a noiseless spectrum (pipeline.decay_asymptote): exact on the
known-answer spectra (1 - t)^a, its error bound covers the true error, and the ReLU NTK's exponent is
-d in a dimension nobody tuned for."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import decay_asymptote as da
from pipeline import sphere_spectrum as ss


@pytest.mark.parametrize("d", [2, 3, 5])
def test_singular_spectrum_is_the_funk_hecke_spectrum(d):
    # (1 - cos th)^(1/2) = sqrt(2) sin(th / 2) is smooth in theta: the quadrature is exact
    mu = ss.funk_hecke(lambda th: np.sqrt(1 - np.cos(th)), d, 64)
    ratio = mu[1:] / da.singular_spectrum(d, 0.5, 64)[1:]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)


@pytest.mark.parametrize("k_max", [64, 256])
@pytest.mark.parametrize("d", [2, 3, 5, 8])
def test_bound_covers_the_known_answer(d, k_max):
    for a in (0.5, 0.6):
        r = da.asymptotic_exponent(da.singular_spectrum(d, a, k_max))
        exact = -(2 * a + d - 1)
        assert r["ci_low"] <= exact <= r["ci_high"]
        assert abs(r["slope"] - exact) < (1e-3 if k_max == 256 else 0.04)
    # the fixed-window slope the extrapolation replaces is biased (d = 5, k = 16..128: about -4.86)
    if d == 5 and k_max == 256:
        k = np.arange(16, 129, 2)
        plain = np.polyfit(np.log(k), np.log(da.singular_spectrum(5, 0.5, 256)[k]), 1)[0]
        assert plain > -4.9


def test_quadrature_error_widens_the_bound_and_nan_when_unresolved():
    mu = da.singular_spectrum(5, 0.5, 128)
    clean = da.asymptotic_exponent(mu)
    noisy = da.asymptotic_exponent(mu, 1e-3 * mu)
    assert noisy["quadrature"] > 0 and noisy["bound"] > clean["bound"]
    assert np.isnan(da.asymptotic_exponent(mu, 2 * mu)["slope"])  # error larger than the value
    short = da.asymptotic_exponent(mu[:9])
    assert np.isnan(short["slope"]) and short["n"] < 5


def test_relu_ntk_untuned_dimension():
    """d = 7 (no default uses it): the extrapolated exponent of the two-layer ReLU NTK is -7."""
    from pipeline.models import MLPSpec

    spec = MLPSpec.from_config(
        {"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": None, "input_scaling": "unscaled"}, 1, 7
    )
    rules = (ss.funk_hecke_rule(7, 128), ss.fine_rule(7, 128))
    mu, _, err = ss.mlp_spectra_with_accuracy(spec, 128, rules)["ntk"]
    r = da.asymptotic_exponent(mu, err)
    assert -7.05 < r["ci_low"] <= r["ci_high"] < -6.95
    assert r["ci_low"] <= -7 <= r["ci_high"]
