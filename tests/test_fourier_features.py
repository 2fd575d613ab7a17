"""Fourier feature mappings and the NTK of mapped inputs (pipeline.fourier_features, fourier_kernels)."""

import math

import numpy as np
import pytest

from pipeline import fourier_features as ff
from pipeline import fourier_kernels as fk
from pipeline.precision import x64_context


def test_positional_frequencies_axis_aligned_with_minus_one():
    B = ff.positional_frequencies(2, 8, scale=3.0)
    expected = 2.0 ** np.linspace(0, 3, 4) - 1  # the paper's code: first frequency 0, last 2^s - 1
    assert B.shape == (8, 2)
    np.testing.assert_allclose(B[:4, 0], expected)
    np.testing.assert_allclose(B[4:, 1], expected)
    assert np.all(B[:4, 1] == 0) and np.all(B[4:, 0] == 0)


def test_gaussian_frequencies_scale_and_seed():
    B = ff.gaussian_frequencies(2, 4000, sigma=7.0, seed=3)
    assert B.shape == (4000, 2)
    assert abs(B.std() / 7.0 - 1) < 0.05
    np.testing.assert_array_equal(B, ff.gaussian_frequencies(2, 4000, 7.0, 3))
    assert not np.array_equal(B, ff.gaussian_frequencies(2, 4000, 7.0, 4))


@pytest.mark.parametrize("name", ff.MAPPINGS)
def test_encode_shapes_and_unit_norm(name):
    x = np.random.default_rng(0).uniform(size=(10, 2))
    B, a = ff.mapping_matrices(name, 2, n_freq=16, sigma=3.0, pe_scale=2.0, seed=0)
    g = np.asarray(ff.encode(x, B, a))
    assert g.shape == (10, ff.n_features(name, 2, 16))
    if name == "none":
        np.testing.assert_allclose(g, x, rtol=1e-6)
    else:
        np.testing.assert_allclose(np.linalg.norm(g, axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", ["basic", "positional", "gaussian"])
def test_mapped_dot_product_is_shift_invariant(name):
    B, a = ff.mapping_matrices(name, 2, n_freq=16, sigma=3.0, pe_scale=2.0, seed=1)
    rng = np.random.default_rng(1)
    x, d, shift = rng.uniform(size=(5, 2)), rng.uniform(size=(5, 2)), np.array([0.37, -0.21])
    dot = lambda u, v: np.sum(np.asarray(ff.encode(u, B, a)) * np.asarray(ff.encode(v, B, a)), 1)  # noqa: E731
    np.testing.assert_allclose(dot(x, x + d), dot(x + shift, x + shift + d), atol=1e-5)


def test_raw_coordinates_are_not_shift_invariant():
    x, d, shift = np.array([[0.1, 0.2]]), np.array([[0.1, 0.1]]), np.array([0.5, 0.5])
    assert abs(float((x * (x + d)).sum()) - float(((x + shift) * (x + shift + d)).sum())) > 0.1


def test_power_law_amplitudes():
    B, a = ff.power_law(1.5, 5)
    np.testing.assert_array_equal(B[:, 0], np.arange(1, 6))
    np.testing.assert_allclose(a, np.arange(1, 6) ** -1.5)
    np.testing.assert_array_equal(ff.power_law(0, 4)[1], np.ones(4))
    np.testing.assert_array_equal(ff.power_law(math.inf, 4)[1], [1, 0, 0, 0])  # the basic mapping


def test_unknown_mapping_is_an_error():
    with pytest.raises(ValueError, match="unknown mapping 'fourier'"):
        ff.mapping_matrices("fourier", 2)


def test_spectrum_and_bandwidth_of_a_known_profile():
    deltas = np.arange(-512, 512) / 512.0  # window [-1, 1), resolution 1/2 cycle
    k = 1.0 + np.cos(2 * np.pi * 3 * deltas) + 0.5 * np.cos(2 * np.pi * 10 * deltas)
    f, lam = fk.spectrum(k, deltas)
    np.testing.assert_allclose(lam[f == 3], 1.0, atol=1e-9)  # amplitude c at f: lambda = c L / 2, L = 2
    np.testing.assert_allclose(lam[f == 10], 0.5, atol=1e-9)
    assert lam[0] == pytest.approx(2.0)
    assert fk.bandwidth(f, lam, 0.5) == 3.0 and fk.bandwidth(f, lam, 0.9) == 10.0


def test_gd_kernel_prediction_matches_iterated_gd_and_interpolates():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    K = A @ A.T + 0.1 * np.eye(6)
    y = rng.standard_normal(6)
    eta, T = 1.0 / np.linalg.eigvalsh(K)[-1], 40
    u = np.zeros(6)
    for _ in range(T):  # f_{t+1} = f_t - eta K (f_t - y) on the training points
        u = u - eta * K @ (u - y)
    np.testing.assert_allclose(fk.gd_kernel_prediction(K, K, y, eta, T), u, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fk.gd_kernel_prediction(K, K, y, eta, None), y, atol=1e-8)


def test_gd_kernel_prediction_at_the_stability_edge_is_finite():
    K = np.diag([4.0, 1.0, 1e-3])
    pred = fk.gd_kernel_prediction(K, K, np.ones(3), 0.25 * (1 + 1e-15), 10)
    assert np.all(np.isfinite(pred))


def test_analytic_ntk_of_mapped_inputs_is_stationary_only_with_a_mapping():
    with x64_context():
        deltas = np.linspace(-0.2, 0.2, 21)
        anchors = np.array([0.2, 0.7])
        for name, stationary in (("gaussian", True), ("basic", True), ("none", False)):
            B, a = ff.mapping_matrices(name, 1, n_freq=16, sigma=4.0, seed=0)
            spec = fk.kernel_spec(ff.n_features(name, 1, 16), 2, math.sqrt(2), 0.1)
            err = fk.stationarity_error(fk.profiles(spec, B, a, deltas, anchors))
            assert (err < 1e-9) if stationary else (err > 0.1), (name, err)


def test_ntk_bandwidth_grows_with_sigma():
    with x64_context():
        deltas = np.arange(-256, 256) / 256.0
        f90 = []
        for s in (1.0, 4.0, 16.0):
            B, a = ff.mapping_matrices("gaussian", 1, n_freq=32, sigma=s, seed=0)
            k = fk.profiles(fk.kernel_spec(64, 2, math.sqrt(2), 0.1), B, a, deltas, np.array([0.0]))[0]
            f90.append(fk.bandwidth(*fk.spectrum(k, deltas)))
        assert f90[0] < f90[1] < f90[2]
