"""Rate fitting on synthetic exponentials with known rates: exact decays, noise, a numerical floor,
degenerate pairs, and the linear GD dynamics u_{t+1} = (I - eta K) u_t of a known kernel."""

import numpy as np
import pytest

from pipeline import rate_fit, spectral


def test_exact_exponentials_recovered():
    steps = np.arange(0, 60)
    rates = np.array([0.7, 0.13, 0.01, 1e-4])
    r = 3.0 * np.exp(-np.outer(steps, rates))
    fit = rate_fit.fit_rates(steps, r, floor=1e-12, min_points=3)
    np.testing.assert_allclose(fit["rate"], rates, rtol=1e-10)
    np.testing.assert_allclose(fit["r2"], 1.0, atol=1e-12)
    assert np.all(fit["stderr"] < 1e-10)
    assert fit["status"].tolist() == ["ok"] * 4


def test_stderr_and_r2_match_scipy():
    from scipy import stats

    rng = np.random.default_rng(0)
    steps = np.arange(0, 80, 2)
    r = np.exp(-0.05 * steps + 0.1 * rng.standard_normal(steps.size))[:, None]
    fit = rate_fit.fit_rates(steps, r, floor=0.0)
    ref = stats.linregress(steps, np.log(r[:, 0]))
    np.testing.assert_allclose(fit["rate"][0], -ref.slope, rtol=1e-12)
    np.testing.assert_allclose(fit["stderr"][0], ref.stderr, rtol=1e-10)
    np.testing.assert_allclose(fit["r2"][0], ref.rvalue**2, rtol=1e-10)


def test_window_stops_at_floor():
    """Round-off floor at 1e-9: fitting through it would halve the rate; the window excludes it."""
    steps = np.arange(0, 200)
    rng = np.random.default_rng(1)
    clean = np.exp(-0.2 * steps)
    r = (clean + 1e-9 * np.abs(rng.standard_normal(steps.size)))[:, None]
    fit = rate_fit.fit_rates(steps, r, floor=1e-7)
    assert abs(fit["rate"][0] - 0.2) < 1e-3
    assert 70 <= fit["t_hi"][0] <= 81  # exp(-0.2 t) reaches 1e-7 at t = 80.6
    naive = rate_fit.fit_rates(steps, r, floor=0.0)
    assert abs(naive["rate"][0] - 0.2) > 0.05  # the floor would bias a fit over all steps


def test_window_is_a_prefix_and_decay_limit():
    steps = np.arange(10)
    r = np.array([1.0, 0.5, 0.25, 1e-9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])[:, None]
    mask = rate_fit.fit_window(r, 1e-6)
    assert mask[:, 0].tolist() == [True] * 3 + [False] * 7  # no return after the first dip
    fit = rate_fit.fit_rates(steps, np.exp(-0.5 * steps)[:, None], floor=0.0, decay=0.1)
    assert fit["t_hi"][0] == 4 and fit["n"][0] == 5  # exp(-2) > 0.1 > exp(-2.5)


def test_statuses():
    steps = np.arange(5)
    r = np.stack([np.exp(-steps), np.full(5, 1e-9), np.exp(-5.0 * steps), np.ones(5)], axis=1)
    fit = rate_fit.fit_rates(steps, r, floor=1e-4, min_points=3, is_null=np.array([0, 0, 0, 1], bool))
    assert fit["status"].tolist() == ["ok", "below_floor", "few_points", "null"]
    assert np.isnan(fit["rate"][1]) and np.isnan(fit["rate"][2])
    assert fit["rate"][3] == pytest.approx(0.0, abs=1e-12)


def test_bad_steps_rejected():
    with pytest.raises(ValueError, match="strictly increasing"):
        rate_fit.fit_rates(np.array([0, 2, 1]), np.ones((3, 1)), floor=0.0)


def test_predicted_rates():
    eta, lam = 0.1, np.array([1.0, 5.0, 15.0])
    np.testing.assert_allclose(rate_fit.predicted_rate(eta, lam), [-np.log(0.9), -np.log(0.5), -np.log(0.5)])
    np.testing.assert_allclose(rate_fit.predicted_rate_flow(eta, lam), [0.1, 0.5, 1.5])
    np.testing.assert_allclose(rate_fit.relative_error([1.1, 1.0], [1.0, 0.0]), [0.1, np.nan])


def _kernel_with_pairs(rng, n=12):
    """K = Q diag(lam) Q^T with two exactly degenerate pairs and a 2-dim null space."""
    lam = np.array([9.0, 4.0, 4.0, 2.0, 1.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.0, 0.0])[:n]
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Q @ np.diag(lam) @ Q.T, lam


def test_linear_dynamics_with_degenerate_pairs():
    rng = np.random.default_rng(2)
    K, lam = _kernel_with_pairs(rng)
    eta = 0.5 / lam.max()
    u0 = rng.standard_normal(K.shape[0])
    steps = np.concatenate([np.arange(30), np.geomspace(30, 2000, 30).round()]).astype(int)
    steps = np.unique(steps)
    A = np.eye(K.shape[0]) - eta * K
    u = np.stack([np.linalg.matrix_power(A, int(t)) @ u0 for t in steps])
    res = rate_fit.analyse(
        steps, u, eta, K, rtol=0.01, null_rtol=1e-8, window_floor=1e-10, window_decay=0.0, min_points=3
    )
    assert res["mult"].tolist() == [1, 2, 1, 2, 1, 1, 1, 1, 2]
    assert res["is_null"].tolist() == [False] * 8 + [True]
    np.testing.assert_allclose(res["lam"][:8], [9, 4, 2, 1, 0.5, 0.3, 0.2, 0.1], rtol=1e-10)
    ok = res["status"] == "ok"
    assert ok.sum() == 8
    np.testing.assert_allclose(res["rate_fit"][ok], res["rate_pred"][ok], rtol=1e-6)
    np.testing.assert_allclose(res["r"], res["r_pred"], rtol=1e-6, atol=1e-12)
    # the null space does not move
    assert res["status"][-1] == "null" and abs(res["rate_fit"][-1]) < 1e-12
    # predicted loss = 1/2 ||u_t||^2 exactly for linear dynamics
    L = rate_fit.predicted_loss(steps, eta, res["evals"], res["evecs"], u0)
    np.testing.assert_allclose(L, 0.5 * (u**2).sum(1), rtol=1e-8)


def test_split_pair_weighted_eigenvalue():
    """A slightly split pair grouped as one space: its eigenvalue is the u_0-weighted mean, the exact
    initial decay rate of the projection norm."""
    evals = np.array([2.0, 1.02, 0.98])
    labels = spectral.group_eigenvalues(evals, rtol=0.05, null_rtol=1e-6)
    assert labels.tolist() == [0, 1, 1]
    w = np.array([1.0, 3.0, 1.0])
    np.testing.assert_allclose(rate_fit.space_eigenvalues(evals, labels, w), [2.0, (3 * 1.02 + 0.98) / 4])
    np.testing.assert_allclose(rate_fit.space_eigenvalues(evals, labels, np.zeros(3)), [2.0, 1.0])


def test_components_and_projection_norms():
    rng = np.random.default_rng(3)
    K, _ = _kernel_with_pairs(rng)
    evals, evecs = spectral.eigh_desc(K)
    labels = spectral.group_eigenvalues(evals, 0.01, 1e-8)
    u = rng.standard_normal((4, K.shape[0]))
    r = rate_fit.space_components(u, evecs, labels)
    np.testing.assert_allclose((r**2).sum(1), (u**2).sum(1), rtol=1e-12)  # spaces partition R^N
    P = evecs[:, labels == 1]
    np.testing.assert_allclose(r[:, 1], np.linalg.norm(u @ P, axis=1), rtol=1e-12)
