"""Dual kernels (pipeline.dual_kernels) and signal propagation (pipeline.signal_propagation):
quadrature against closed forms, the convergence study, and the reference values of
/work/shared/reference/depth-activations.md (Schoenholz et al. 2017; Xiao et al. 2020)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import activations, dual_kernels
from pipeline import signal_propagation as sp

TANH = activations.get("tanh")


@pytest.mark.parametrize("name", ["erf", "sin", "identity"])
def test_quadrature_equals_closed_form(name):
    act = activations.get(name)
    q1, q2, q12 = dual_kernels.study_grid(qs=(0.1, 1.0, 2.0))
    quad = dual_kernels.quadrature(act, q1, q2, q12, 128)
    ref = dual_kernels.closed_form(act, q1, q2, q12)
    for a, b in zip(quad, ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_arccos_family_closed_forms_match_monte_carlo():
    """leaky_relu / abs closed forms from the relu arc-cosine kernel: against a large Monte Carlo."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2, 2_000_000))
    q1, q2, c = 0.7, 1.3, -0.35
    u = np.sqrt(q1) * z[0]
    v = np.sqrt(q2) * (c * z[0] + np.sqrt(1 - c * c) * z[1])
    for name in ("relu", "leaky_relu", "abs"):
        act = activations.get(name, 0.2)
        k, kd = dual_kernels.closed_form(act, q1, q2, c * np.sqrt(q1 * q2))
        assert abs(k - (act.np_phi(u) * act.np_phi(v)).mean()) < 3e-3
        assert abs(kd - (act.np_dphi(u) * act.np_dphi(v)).mean()) < 3e-3


def test_convergence_study_tanh_reaches_claim_and_low_order_fails():
    grid = dual_kernels.study_grid(qs=(0.05, 0.3, 1.0, 3.0))
    s = dual_kernels.convergence_study(TANH, orders=(8, 64, 256), reference_order=400, grid=grid)
    err = np.maximum(s["err_k"], s["err_kdot"])
    assert err[-1] < 1e-8  # the module's claim at the default order for q <= 3
    assert err[0] > 1e-4  # order 8 does not
    assert dual_kernels.order_for(TANH, 1e-8, study=s) == 256


def test_reference_values_tanh():
    th = {s: sp.theory(TANH, s, 0.05) for s in (1.25, 1.5, 2.5)}
    assert th[1.25]["q_star"] == pytest.approx(0.292, abs=6e-4)
    assert th[1.25]["chi_1"] == pytest.approx(0.863, abs=6e-4)
    assert th[1.25]["xi_c"] == pytest.approx(6.80, abs=6e-3)
    assert th[1.5]["xi_c"] == pytest.approx(15.8, abs=0.06)
    assert th[1.5]["chi_1"] == pytest.approx(0.939, abs=6e-4)
    assert th[2.5]["chi_1"] == pytest.approx(1.134, abs=6e-4)
    assert th[2.5]["c_star"] == pytest.approx(0.447, abs=6e-4)
    assert th[2.5]["chi_c"] == pytest.approx(0.919, abs=6e-4)
    assert th[2.5]["xi_c"] == pytest.approx(11.8, abs=0.06)
    assert th[1.25]["p_star"] == pytest.approx(2.136, abs=2e-3)
    assert th[2.5]["offdiag_limit"] == pytest.approx(5.85, abs=6e-3)
    assert sp.edge_of_chaos(TANH, 0.05, 1.0, 3.0) == pytest.approx(1.761, abs=6e-4)
    # the alternative: chi_1 at the wrong sw2 is far from the reference
    assert abs(sp.theory(TANH, 1.5, 0.05)["chi_1"] - 0.863) > 0.05


def test_chi_q_matches_finite_difference():
    q = sp.q_star(TANH, 2.0, 0.1)
    h = 1e-5
    fd = (sp.length_map(TANH, q + h, 2.0, 0.1) - sp.length_map(TANH, q - h, 2.0, 0.1)) / (2 * h)
    assert sp.chi_q(TANH, 2.0, q) == pytest.approx(float(fd), rel=1e-7)


def test_chi_c_at_one_is_chi_1_and_c_star_is_fixed():
    q = sp.q_star(TANH, 2.5, 0.05)
    assert float(sp.chi_c(TANH, 1.0, q, 2.5)) == pytest.approx(sp.chi_1(TANH, 2.5, q), rel=1e-10)
    cs = sp.c_star(TANH, 2.5, 0.05, q)
    assert float(sp.correlation_map(TANH, cs, q, 2.5, 0.05)) == pytest.approx(cs, abs=1e-12)


def test_ntk_recursion_equals_ntk_analytic_and_wrong_sw2_fails():
    from pipeline.stages.depth import RECURSION_TOL, recursion_identity

    ok = recursion_identity(256)
    assert max(ok.values()) < RECURSION_TOL
    bad = recursion_identity(256, sw2_ref=1.8)  # must fail: the reference net at another sw2
    assert min(bad.values()) > 1e-3


def test_ntk_recursion_limits():
    q = sp.q_star(TANH, 1.25, 0.05)
    _, th = sp.ntk_recursion(TANH, 1.25, 0.05, sp.sigma1_at(q, 0.9), 200)
    assert th[-1].ravel() == pytest.approx([sp.theory(TANH, 1.25, 0.05)["p_star"]] * 4, rel=1e-8)
    t = sp.theory(TANH, 2.5, 0.05)
    _, th = sp.ntk_recursion(TANH, 2.5, 0.05, sp.sigma1_at(t["q_star"], t["c_star"]), 300)
    assert th[-1, 0, 1] == pytest.approx(t["offdiag_limit"], rel=1e-8)
