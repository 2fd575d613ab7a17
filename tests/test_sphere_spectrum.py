"""Funk-Hecke eigenvalues, multiplicities and Gram spectra on the sphere (pipeline.sphere_spectrum)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from pipeline import spectral
from pipeline import sphere_spectrum as ss
from pipeline.models import MLPSpec


def relu_spec(d: int, depth: int = 1, b_std=None) -> MLPSpec:
    return MLPSpec.from_config(
        {"depth": depth, "activation": "relu", "w_std": 1.0, "b_std": b_std, "input_scaling": "unscaled"},
        1,
        d,
    )


def test_multiplicities():
    assert ss.multiplicity(2, np.arange(5)).tolist() == [1, 2, 2, 2, 2]
    assert ss.multiplicity(3, np.arange(6)).tolist() == [2 * k + 1 for k in range(6)]
    assert ss.multiplicity(4, np.arange(6)).tolist() == [(k + 1) ** 2 for k in range(6)]
    assert ss.multiplicity(5, np.arange(5)).tolist() == [1, 5, 14, 30, 55]
    # harmonics of degree <= K span the polynomials of degree <= K restricted to the sphere
    for d in (2, 3, 5, 7):
        for K in (0, 3, 10):
            dim = math.comb(K + d - 1, d - 1) + (math.comb(K + d - 2, d - 1) if K >= 1 else 0)
            assert ss.multiplicity(d, np.arange(K + 1)).sum() == dim
    assert ss.multiplicity(3, 4) == 9
    with pytest.raises(ValueError):
        ss.multiplicity(1, 2)


def test_legendre_table_matches_scipy():
    t = np.linspace(-1, 1, 41)
    P2 = ss.legendre_table(40, 2, t)
    np.testing.assert_allclose(P2, np.cos(np.arange(41)[:, None] * np.arccos(t)[None]), atol=1e-12)
    P3 = ss.legendre_table(40, 3, t)
    np.testing.assert_allclose(P3, special.eval_legendre(np.arange(41)[:, None], t[None]), atol=1e-12)
    P5 = ss.legendre_table(30, 5, t)
    ref = (
        special.eval_gegenbauer(np.arange(31)[:, None], 1.5, t[None])
        / special.eval_gegenbauer(np.arange(31), 1.5, 1.0)[:, None]
    )
    np.testing.assert_allclose(P5, ref, atol=1e-12)
    np.testing.assert_allclose(ss.legendre_table(200, 5, np.array([1.0]))[:, 0], 1.0, rtol=1e-13)


def test_constant_and_polynomial_kernels():
    for d in (2, 3, 5):
        mu = ss.funk_hecke(lambda th: np.ones_like(th), d, 8)
        np.testing.assert_allclose(mu, np.eye(9)[0], atol=1e-14)
    # t^2 on S^2: t^2 = (2/3) P_2 + (1/3) P_0, mu_k = a_k / N(3, k)
    mu = ss.funk_hecke(lambda th: np.cos(th) ** 2, 3, 6)
    np.testing.assert_allclose(mu, [1 / 3, 0, 2 / 15, 0, 0, 0, 0], atol=1e-14)
    # t on S^(d-1): the linear kernel x.x' has mu_1 = 1/d (multiplicity d, trace 1)
    for d in (2, 3, 5):
        mu = ss.funk_hecke(np.cos, d, 4)
        np.testing.assert_allclose(mu, [0, 1 / d, 0, 0, 0], atol=1e-14)


def test_exponential_kernel_bessel_spectra():
    # S^1: (1/pi) int_0^pi e^(cos th) cos(k th) d th = I_k(1)
    mu = ss.funk_hecke(lambda th: np.exp(np.cos(th)), 2, 30)
    np.testing.assert_allclose(mu[:20], special.iv(np.arange(20), 1.0), rtol=1e-12, atol=1e-15)
    # S^2: e^t = sum_k (2k + 1) i_k(1) P_k(t), so mu_k = i_k(1) (modified spherical Bessel)
    mu3 = ss.funk_hecke(lambda th: np.exp(np.cos(th)), 3, 30)
    np.testing.assert_allclose(mu3[:15], special.spherical_in(np.arange(15), 1.0), rtol=1e-12, atol=1e-15)


def test_relu_ntk_decay_and_odd_zeros():
    mu = ss.mlp_spectrum(relu_spec(2), 128)
    k = np.arange(16, 129, 2)
    assert ss.loglog_slope(k, mu[k]) == pytest.approx(-2.0, abs=0.03)
    assert np.max(np.abs(mu[3::2])) / mu[0] < 1e-13
    mu3 = ss.mlp_spectrum(relu_spec(3), 128)
    assert ss.loglog_slope(k, mu3[k]) == pytest.approx(-2.98, abs=0.03)
    assert np.max(np.abs(mu3[3::2])) / mu3[0] < 1e-13
    mub = ss.mlp_spectrum(relu_spec(3, b_std=1.0), 40)
    assert np.min(mub[1::2] / mub[0:-1:2]) > 0.05  # a bias restores the odd eigenvalues
    mu2 = ss.mlp_spectrum(relu_spec(2, depth=2), 64)
    assert mu2[3] / mu2[0] > 1e-4  # from depth 2 on the bias-free odd eigenvalues are nonzero


def test_quadrature_accuracy_and_spectra_pair():
    spec = relu_spec(3, depth=2)
    rules = (ss.funk_hecke_rule(3, 128), ss.fine_rule(3, 128))
    both = ss.mlp_spectra_with_accuracy(spec, 128, rules)
    assert both["ntk"][1] < 1e-13 and both["nngp"][1] < 1e-13
    np.testing.assert_allclose(both["ntk"][0], ss.mlp_spectrum(spec, 128), rtol=0, atol=1e-15)
    # a crude rule (one panel, no grading) is visibly worse on the kinked kernel
    crude = ss.funk_hecke(ss.mlp_profile(spec), 3, 64, order=8, panels_per_period=0.01, n_graded=0)
    assert np.max(np.abs(crude - both["ntk"][0][:65])) / both["ntk"][0][0] > 1e-8


def test_circle_aliasing_matches_circulant():
    n = 16
    g = 2 * np.pi * np.arange(n) / n
    K = np.exp(np.cos(g[:, None] - g[None, :]))
    exact = spectral.circulant_spectrum(K, g) / n
    np.testing.assert_allclose(
        ss.circle_aliased(special.iv(np.arange(60), 1.0), n, None), exact, rtol=1e-12, atol=1e-15
    )
    # ReLU NTK: the k^-2 alias tail beyond k_max is modelled
    import jax.numpy as jnp

    from pipeline.ntk_analytic import limit_kernels
    from pipeline.precision import x64_context

    spec = relu_spec(2, b_std=1.0)
    x = np.stack([np.cos(g), np.sin(g)], 1)
    with x64_context(True):
        Kr = np.asarray(limit_kernels(spec, jnp.asarray(x))["ntk"])
    exact = spectral.circulant_spectrum(Kr, g) / n
    mu = ss.mlp_spectrum(spec, 128)
    err_tail = np.max(np.abs(ss.circle_aliased(mu, n) - exact)) / exact.max()
    err_trunc = np.max(np.abs(ss.circle_aliased(mu, n, None) - exact)) / exact.max()
    assert err_tail < 1e-8 < err_trunc


def test_gram_converges_to_funk_hecke():
    spec = relu_spec(3)
    mu = ss.mlp_spectrum(spec, 32)
    M = int(ss.multiplicity(3, np.arange(3)).sum())
    ana = ss.analytic_sorted(mu, 3, M)
    assert ana.size == M and ana[0] == mu[0]
    errs = []
    for n in (50, 400):
        pts = np.stack([ss.sphere_points(n, 3, np.random.default_rng([1, n, s])) for s in range(4)])
        lam = ss.gram_eigenvalues(spec, pts)
        assert lam.shape == (4, n) and np.all(np.diff(lam, axis=1) <= 1e-12)
        errs.append(np.mean(np.sqrt(np.sum((lam[:, :M] - ana) ** 2, 1))) / mu[0])
    assert errs[1] < errs[0] and errs[1] < 0.2
    x = ss.sphere_points(100, 5, np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0)
    assert ss.gram_eigenvalues(spec.__class__(**{**spec.__dict__, "d_in": 5}), x).shape == (100,)
