"""Eigenspaces and harmonic labels: grouping rules, circulant kernels on the circle, the two-layer ReLU
analytic NTK spectrum (anchors: lambda_0 = 19.46, lambda_1 = 16.0, lambda_2 = 5.05, ... on 64 points)."""

import math

import numpy as np
import pytest

from pipeline import spectral


def circle(n):
    g = 2 * np.pi * np.arange(n) / n
    return g, np.stack([np.cos(g), np.sin(g)], axis=1)


def seed_ntk_closed_form(x):
    """One-hidden-layer bias-free ReLU NTK (reference anchors), |x| = 1:
    x.x' (pi - th) / (2 pi) + (sin th + (pi - th) cos th) / (2 pi)."""
    u = np.clip(x @ x.T, -1.0, 1.0)
    np.fill_diagonal(u, 1.0)  # |x| = 1 exactly (arccos is ill-conditioned at 1 - eps)
    th = np.arccos(u)
    return u * (np.pi - th) / (2 * np.pi) + (np.sin(th) + (np.pi - th) * np.cos(th)) / (2 * np.pi)


def test_grouping_rules():
    lam = np.array([10.0, 9.96, 9.5, 5.0, 4.9, 4.8, 1e-9, -1e-10])
    labels = spectral.group_eigenvalues(lam, rtol=0.01, null_rtol=1e-6)
    assert labels.tolist() == [0, 0, 1, 2, 3, 4, 5, 5]
    # the tolerance is relative to the space's largest member: no chaining 5.0 -> 4.9 -> 4.8
    assert spectral.group_eigenvalues(lam, rtol=0.025, null_rtol=1e-6).tolist() == [0, 0, 1, 2, 2, 3, 4, 4]
    with pytest.raises(ValueError, match="descending"):
        spectral.group_eigenvalues(lam[::-1], 0.01, 1e-6)


def test_circle_angles_detects_equal_spacing():
    g, x = circle(12)
    perm = np.random.default_rng(0).permutation(12)
    np.testing.assert_allclose(spectral.circle_angles(x[perm]), g[perm])
    assert spectral.circle_angles(x[:-1]) is None  # 11 of 12 points: a gap
    x_bad = x.copy()
    x_bad[0] = [np.cos(0.1), np.sin(0.1)]
    assert spectral.circle_angles(x_bad) is None
    assert spectral.circle_angles(2 * x) is None
    assert spectral.circle_angles(np.zeros((5, 3))) is None


def test_harmonic_basis_orthonormal():
    for n in (15, 16):
        g, _ = circle(n)
        F, ks = spectral.harmonic_basis(g)
        assert F.shape == (n, n)
        np.testing.assert_allclose(F.T @ F, np.eye(n), atol=1e-12)
        assert np.bincount(ks).tolist() == [1] + [2] * ((n - 1) // 2) + ([1] if n % 2 == 0 else [])


def test_seed_kernel_spectrum_and_labels():
    g, x = circle(64)
    K = seed_ntk_closed_form(x)
    lam_k = spectral.circulant_spectrum(K, g)
    np.testing.assert_allclose(lam_k[[0, 1, 2, 4, 6, 8]], [19.46, 16.0, 5.05, 0.553, 0.212, 0.115], atol=6e-3)
    odd = np.arange(3, 33, 2)
    assert np.max(np.abs(lam_k[odd])) < 1e-10 * lam_k[0]  # zero up to arccos round-off at antipodes
    # the circulant eigenvalue is the DFT of a row
    np.testing.assert_allclose(lam_k, np.fft.rfft(K[0]).real, atol=1e-10)
    sp = spectral.eigenspaces(K, rtol=1e-6, null_rtol=1e-9)
    k, purity = spectral.harmonic_labels(sp["evecs"], sp["labels"], g)
    nonnull = ~sp["is_null"]
    np.testing.assert_allclose(sp["lam"][nonnull], lam_k[k[nonnull]], rtol=1e-8)
    assert k[:4].tolist() == [0, 1, 2, 4] and sp["mult"][:4].tolist() == [1, 2, 2, 2]
    np.testing.assert_allclose(purity[nonnull], 1.0, atol=1e-8)
    assert sp["mult"][sp["is_null"]].tolist() == [30]  # odd k = 3, 5, ..., 31: 15 pairs


def test_labels_off_circle():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 6))
    sp = spectral.eigenspaces(A @ A.T, 0.01, 1e-9)
    k, purity = spectral.harmonic_labels(sp["evecs"], sp["labels"], None)
    assert (k == -1).all() and np.isnan(purity).all()


def test_eigh_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        spectral.eigh_desc(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="non-finite"):
        spectral.eigh_desc(np.full((2, 2), math.nan))


def test_nt_analytic_kernel_matches_closed_form():
    """neural-tangents' kernel of the two-layer ReLU MLPSpec (float64) equals the closed form."""
    from pipeline.models import two_layer_relu
    from pipeline.ntk_analytic import nt_kernels
    from pipeline.precision import x64_context

    g, x = circle(32)
    with x64_context():
        K = np.asarray(nt_kernels(two_layer_relu(8), x)["ntk"])
    np.testing.assert_allclose(K, seed_ntk_closed_form(x), atol=1e-8)
