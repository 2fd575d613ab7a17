"""Stage depth (pipeline.stages.depth): the rule functions on small real configs, every check of the
stage with a case where it must fail, the empirical NTK of random_nets against autodiff, and the
outputs of the shared tiny run."""

from __future__ import annotations

import copy
import math

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from pipeline import activations
from pipeline import random_nets as rn
from pipeline import signal_propagation as sp
from pipeline.config import load_config
from pipeline.precision import x64_context
from pipeline.stages import depth

TANH = activations.get("tanh")


@pytest.fixture(scope="module")
def section():
    sec = copy.deepcopy(load_config(TINY)["depth"])
    sec["propagation"].update(width=128, chi1_width=128, depth=12, seeds=8, pairs=2, fit_layers=[1, 10])
    sec["ntk"].update(width=64, depth=8, seeds=4, chaotic_seeds=6, outputs=2)
    return sec


@pytest.fixture(scope="module")
def theory(section):
    return depth.theory_run(section, seed=0)


@pytest.fixture(scope="module")
def nets(section):
    return depth.nets_run(section, depth.fixed_points(section), seed=0, x64=True)


@pytest.fixture(scope="module")
def gauss(section):
    return depth.gauss_run(section, seed=0)


def by_id(found):
    return {c.check: c for c in found}


def test_all_checks_and_identities(theory, nets, gauss, section):
    found, tables = depth.build_checks(theory, nets, gauss, section, seed=0)
    ids = by_id(found)
    assert set(ids) == {
        "activation_quadrature_closed_form",
        "activation_quadrature_converged",
        "depth_ntk_recursion",
        "activation_wide_kernel",
        "depth_chi1",
        "depth_edge_of_chaos",
        "depth_xi_c",
        "depth_ntk_ordered_limit",
        "depth_ntk_chaotic_offdiag",
        "depth_nongauss_product",
        "depth_nngp_variance",
    }
    for c in found:
        assert c.kind in ("identity", "prediction") and c.verdict in ("pass", "fail", "inconclusive")
        if c.kind == "prediction":
            assert c.interval and c.power and "Source" in c.detail
    for name in (
        "activation_quadrature_closed_form",
        "activation_quadrature_converged",
        "depth_ntk_recursion",
    ):
        assert ids[name].kind == "identity" and ids[name].verdict == "pass", ids[name]
    assert set(tables) == {"theory", "xi", "ntk", "nongauss"}


def test_quadrature_checks_fail_at_low_order(section):
    sec = copy.deepcopy(section)
    sec["quadrature"].update(order=8, orders=[8, 16], rtol=1e-8)
    th = depth.quadrature_study(sec, 1.43)
    th["recursion_err"] = np.array([0.0, 0.0])
    ids = by_id(depth.quadrature_checks(th, sec))
    assert ids["activation_quadrature_closed_form"].verdict == "fail"
    assert ids["activation_quadrature_converged"].verdict == "fail"


def test_recursion_check_fails_for_a_wrong_reference(section):
    th = {"orders": np.array([64]), "quad_err": np.zeros((len(activations.NAMES), 2, 1)), "quad_q_max": 1.0}
    th["recursion_err"] = np.array(list(depth.recursion_identity(64, sw2_ref=1.8).values()))
    assert by_id(depth.quadrature_checks(th, section))["depth_ntk_recursion"].verdict == "fail"


def test_wide_kernel_fails_for_erf_in_place_of_tanh(theory, section):
    th = dict(theory)
    names = list(activations.NAMES)
    pred = th["wide_pred"].copy()
    pred[names.index("tanh")] = pred[names.index("erf")]  # the erf kernel claimed for tanh
    th["wide_pred"] = pred
    assert depth.wide_kernel_check(th, section, 0.95).verdict == "fail"


def _xi_and_chi(theory, nets, section, th_override):
    th = {**theory, **th_override}
    found, _, _ = depth.propagation_checks(th, nets, section, 0.95, seed=0)
    return by_id(found)


def test_chi1_fails_at_the_wrong_sw2(theory, nets, section):
    shifted = np.array([sp.theory(TANH, s + 0.5, section["sigma_b2"])["chi_1"] for s in theory["sw2"]])
    ids = _xi_and_chi(theory, nets, section, {"chi_1": shifted})
    assert ids["depth_chi1"].verdict == "fail", ids["depth_chi1"].detail


def test_edge_of_chaos_fails_for_an_edge_two_steps_away(theory, nets, section):
    far = float(theory["edge"]) + 2 * section["theory"]["sigma_w2_step"]  # two grid steps away
    ids = _xi_and_chi(theory, nets, section, {"edge": np.float64(far)})
    assert ids["depth_edge_of_chaos"].verdict == "fail", ids["depth_edge_of_chaos"].detail


def test_xi_c_fails_for_the_neighbouring_sw2(theory, nets, section):
    wrong = np.array([sp.theory(TANH, s + 0.25, section["sigma_b2"])["xi_c"] for s in theory["xi_sw2"]])
    wrong[1] = 2 * theory["xi_xi_c"][1]
    # a wrong theory's trajectories give its own xi: the estimator's bias carried over to it
    on_theory = wrong * theory["xi_on_theory"] / theory["xi_xi_c"]
    ids = _xi_and_chi(theory, nets, section, {"xi_xi_c": wrong, "xi_on_theory": on_theory})
    assert ids["depth_xi_c"].verdict == "fail", ids["depth_xi_c"].detail


def test_xi_c_inconclusive_when_the_estimator_is_biased_on_the_theory(theory, nets, section):
    """The estimator applied to the infinite-width trajectories 8% off xi_c (> xi_rtol / 2): the
    measurement cannot test xi_c, whatever the bare comparison says."""
    ids = _xi_and_chi(theory, nets, section, {"xi_on_theory": theory["xi_xi_c"] * 1.08})
    c = ids["depth_xi_c"]
    assert c.verdict == "inconclusive" and "NOT AT THE ASYMPTOTE" in c.detail, c.detail


def test_pair_inputs_share_the_anchor_in_the_chaotic_phase():
    from pipeline.stages.depth_theory import pair_correlations, pair_inputs

    for shared in (True, False):
        x, cs = pair_inputs(0.5, 0.3, 3, shared)
        assert x.shape == (6, 9) and np.allclose(np.linalg.norm(x, axis=0), 1)
        c = pair_correlations(x.T @ x, 3)
        assert np.allclose(c, cs)
        partners = x[:, 1::3].T @ x[:, 2::3]  # correlation of b+ with b-: cos of the angle between them
        gap = math.acos(0.5) - math.acos(0.3) if shared else math.acos(0.5) + math.acos(0.3)
        expect = math.cos(gap)
        assert np.allclose(np.diag(partners), expect)


def test_ntk_limits_fail_for_wrong_formulas(theory, nets, section):
    th = dict(theory)
    t15 = sp.theory(TANH, 1.5, section["sigma_b2"])
    th["ntk_p_star"] = np.array([t15["p_star"], np.nan])  # the limit of the neighbouring sw2
    q, c, chi = th["ntk_q_star"][1], th["ntk_c_star"][1], th["ntk_chi_c"][1]
    th["ntk_offdiag_limit"] = np.array([np.nan, q / (1 - chi)])  # c* left out: 13.1 vs 5.85
    sec = {**section, "ntk": {**section["ntk"], "fit_from": 1}}  # every read-out: a narrower interval
    found, _ = depth.ntk_checks(th, nets, sec, 0.95, asymptote=False)  # the bare comparison
    ids = by_id(found)
    assert ids["depth_ntk_ordered_limit"].verdict == "fail", ids["depth_ntk_ordered_limit"].detail
    assert ids["depth_ntk_chaotic_offdiag"].verdict == "fail", ids["depth_ntk_chaotic_offdiag"].detail
    assert q * c / (1 - chi) == pytest.approx(theory["ntk_offdiag_limit"][1])


def test_ntk_check_without_a_net_in_its_phase_says_so(theory, nets, section):
    """No chaotic sw2 left (as for GELU at sb2 0.1, whose chaotic sw2 bounded_section drops): the
    chaotic check is an inconclusive row saying why, not absent from the verdict table."""
    th = dict(theory)
    th["ntk_c_star"] = np.ones_like(theory["ntk_c_star"])  # every net read as ordered
    found, _ = depth.ntk_checks(th, nets, section, 0.95)
    c = by_id(found)["depth_ntk_chaotic_offdiag"]
    assert c.verdict == "inconclusive" and "NO CHAOTIC NET" in c.detail, c.detail
    assert [x.check for x in found].count("depth_ntk_chaotic_offdiag") == 1


def test_ntk_limit_inconclusive_away_from_the_asymptote(theory, nets, section):
    """The recursion's own limit moved 8% (as if read-outs this shallow could not reach it): the fit
    applied to the recursion is > rtol / 2 from the predicted limit, so no verdict, whatever the
    bare comparison says; the same check without the guard gives a verdict."""
    th = dict(theory)
    th["ntk_p_star"] = theory["ntk_p_star"] * np.array([1.08, 1.0])
    c = by_id(depth.ntk_checks(th, nets, section, 0.95)[0])["depth_ntk_ordered_limit"]
    assert c.verdict == "inconclusive" and "NOT AT THE ASYMPTOTE" in c.detail, c.detail
    from pipeline.stages.depth_checks import at_asymptote

    bare = by_id(depth.ntk_checks(th, nets, section, 0.95, asymptote=False)[0])["depth_ntk_ordered_limit"]
    assert at_asymptote(bare, 0.01, 0.05) is bare
    assert at_asymptote(bare, 0.04, 0.05).verdict == "inconclusive"


def test_double_root_fit_removes_the_transient_bias():
    """An ordered-phase approach A + (B + C l) r^l (the inputs' transient at the same rate): the
    one-rate fit is biased, the double-root fit recovers A exactly."""
    from pipeline.stages.depth_checks import fit_limit

    d = np.arange(4, 31, 3)
    r, a = 0.9, 5.0
    v = a + (-3.0 - 0.4 * d) * r**d
    w = np.ones(len(d))
    assert abs(fit_limit(v, d, r, w) / a - 1) > 0.02
    assert fit_limit(v, d, r, w, double=True) == pytest.approx(a, rel=1e-10)


def test_limit_fit_recovers_a_geometric_approach_and_fails_a_wrong_limit():
    """limit_estimate on curves A + B r^l + noise with a known A: the interval covers A; the check
    built on it fails when the predicted limit is 10% off (the must-fail side)."""
    from pipeline.stages.depth_checks import limit_estimate

    rng = np.random.default_rng(0)
    depths = np.arange(2, 31, 3)
    r, a, b = 0.92, 5.85, -5.0
    truth = a + b * r**depths
    curves = truth + rng.normal(0, 0.02 * (1 + depths / 10), (64, len(depths)))
    m = limit_estimate(curves, depths, r, 0.95, 0, truth)
    assert m["ci_low"] <= a <= m["ci_high"] and m["on_theory"] == pytest.approx(a, rel=1e-10)
    from pipeline import checks

    c = checks.prediction_check(
        "x", "depth", quantity="q", predicted=1.1 * a, tol=0.05 * 1.1 * a, estimate=m["mean"],
        ci_low=m["ci_low"], ci_high=m["ci_high"], interval="i", source="s", power="p", tol_source="t",
    )  # fmt: skip
    assert c.verdict == "fail"


def test_trainability_grid_on_a_tiny_config(section, tmp_path):
    from pipeline.stages import depth_plots, depth_trainability

    sec = copy.deepcopy(section)
    sec["trainability"].update(depths=[2, 4], n_sigma_w2=2, width=8, n_train=64, steps=5, batch=8)
    res = depth_trainability.run(sec, seed=0)
    assert res["accuracy"].shape == (2, 2) and np.all((res["accuracy"] >= 0) & (res["accuracy"] <= 1))
    assert np.all(res["xi_c"] > 0) and 1.0 < float(res["edge"]) < 4.0  # tanh, sb2 0.05: 1.761
    t = depth_trainability.table(res)
    assert len(t) == 4 and np.allclose(t["six_xi_c"], 6 * t["xi_c"])
    depth_plots.trainability(res, sec, str(tmp_path / "t.png"))
    assert (tmp_path / "t.png").stat().st_size > 5_000


def test_nongauss_checks_fail_for_a_gaussian_output(gauss, section):
    g = dict(gauss)
    g["s2_relu"] = np.full_like(gauss["s2_relu"], section["nongauss"]["q1"])  # Gaussian f: s^2 constant
    found, _ = depth.nongauss_checks(g, section, 0.95, seed=0)
    assert by_id(found)["depth_nongauss_product"].verdict == "fail"


def test_nngp_variance_fails_for_the_wrong_sw2(section):
    from pipeline import random_nets

    ng = section["nongauss"]
    s2 = np.asarray(
        random_nets.output_moments(jax.random.PRNGKey(1), 1.0, 1.8, 0.0, activations.get("relu"), 16, 2, 4096)
    )
    g = {"widths": np.array([16]), "s2_relu": s2[None].astype(float), "s2_act": s2[None].astype(float)}
    found, _ = depth.nongauss_checks(g, {**section, "nongauss": {**ng, "widths": [16]}}, 0.95, seed=0)
    assert by_id(found)["depth_nngp_variance"].verdict == "fail"  # E f^2 = 0.9^2 at sw2 1.8, depth 2


def test_output_moments_conditional_sampling_matches_full_weights():
    """output_moments draws h^(l+1) | h^l ~ N(0, s^2 I) directly; a brute-force net with explicit W, b
    (the definition) gives the same E[s^2] and E[s^4] per depth within Monte-Carlo error."""
    from pipeline import random_nets

    n, depth, nets, sw2, sb2, q1 = 8, 3, 20000, 1.7, 0.2, 0.8
    fast = np.asarray(random_nets.output_moments(jax.random.PRNGKey(3), q1, sw2, sb2, TANH, n, depth, nets))
    rng = np.random.default_rng(0)
    h = math.sqrt(q1) * rng.standard_normal((nets, n))
    slow = []
    for _ in range(depth):
        a = np.tanh(h)
        slow.append(sw2 / n * (a * a).sum(-1) + sb2)
        w = rng.standard_normal((nets, n, n))
        b = rng.standard_normal((nets, n))
        h = math.sqrt(sw2 / n) * np.einsum("kij,kj->ki", w, a) + math.sqrt(sb2) * b
    slow = np.stack(slow, -1)
    for p in (1, 2):
        f, s_ = fast**p, slow**p
        se = np.sqrt(f.var(0) / nets + s_.var(0) / nets)
        assert np.all(np.abs(f.mean(0) - s_.mean(0)) < 4 * se), (p, f.mean(0), s_.mean(0), se)
    assert fast.shape == (nets, depth)


def test_empirical_ntk_matches_autodiff():
    """random_nets.ntk_by_depth against <grad f_l(x), grad f_l(x')> by jax.grad of the same net."""
    n, L, sw2, sb2, q = 16, 4, 1.7, 0.1, 0.6
    key = jax.random.PRNGKey(0)
    with x64_context(True):
        x = jnp.asarray(np.array([[[1.0, 0.3], [0.0, math.sqrt(1 - 0.09)]]]))
        readouts = (2, 4)
        got = np.asarray(
            rn.ntk_by_depth(key, x, jnp.array([q]), jnp.array([sw2]), sb2, TANH, n, L, readouts)["ntk"]
        )[0]
        kg, kl, kv = jax.random.split(key, 3)
        g0 = jax.random.normal(kg, (n, 2), jnp.float64)
        kw, kb = jax.random.split(kl)
        w = jax.random.normal(kw, (L - 1, n, n), jnp.float64)
        b = jax.random.normal(kb, (L - 1, n), jnp.float64)
        v = jax.random.normal(kv, (2, n), jnp.float64)
        beta = jnp.zeros(2)

        def f(params, xi, r):
            g0_, w_, b_, v_, beta_ = params
            h = math.sqrt(q) * g0_ @ xi
            for l in range(readouts[r] - 1):
                h = jnp.sqrt(sw2 / n) * (w_[l] @ jnp.tanh(h)) + math.sqrt(sb2) * b_[l]
            return jnp.sqrt(sw2 / n) * v_[r] @ jnp.tanh(h) + math.sqrt(sb2) * beta_[r]

        params = (g0, w, b, v, beta)  # G is N(0, 1): the first layer is sqrt(q) G x
        for r in range(2):
            grads = [jax.grad(f)(params, x[0][:, i], r) for i in range(2)]
            flat = [jnp.concatenate([jnp.ravel(t) for t in gr]) for gr in grads]
            want = np.array([[float(a @ c) for c in flat] for a in flat])
            np.testing.assert_allclose(got[r], want, rtol=1e-10)


def test_relu_like_activations_keep_the_bounded_part_of_the_grid(section):
    """gelu / relu at sb2 0.05: the length map has no fixed point from sw2 ~2.23 / exactly 2 on (ReLU-like
    growth), so the theory grid is cut there and the chaotic sw2 2.5 dropped, not a crash; the edge of
    chaos is nan (chi_1 < 1 wherever q* exists); identity (no fixed point for sw2 >= 1 at sb2 > 0) on
    a grid from 1 is a one-line error naming depth.activation, and an NTK list with no bounded value
    an error naming depth.ntk.sigma_w2."""
    relu, gelu = activations.get("relu"), activations.get("gelu")
    assert sp.has_fixed_point(gelu, 2.0, 0.05) and not sp.has_fixed_point(gelu, 2.5, 0.05)
    assert sp.bounded_limit(relu, 0.05, 1.0, 3.0) == pytest.approx(2.0, abs=1e-5)
    assert math.isnan(sp.edge_of_chaos(gelu, 0.05, 1.0, 3.0))
    assert sp.edge_of_chaos(TANH, 0.05, 1.0, 3.0) == pytest.approx(1.761, abs=1e-3)  # untouched
    sec = copy.deepcopy(section)
    sec.update(activation="gelu", sigma_b2=0.05)
    sec["theory"].update(sigma_w2_min=1.0, sigma_w2_max=3.0, sigma_w2_step=0.25)
    sec["ntk"]["sigma_w2"] = [1.25, 2.5]
    cut = depth.bounded_section(sec)
    assert cut["theory"]["sigma_w2_max"] == 2.0 and cut["ntk"]["sigma_w2"] == [1.25]
    assert 2.5 not in cut["propagation"]["xi_sigma_w2"] and sec["ntk"]["sigma_w2"] == [1.25, 2.5]
    assert depth.bounded_section(section) is section  # tanh: nothing to cut
    with pytest.raises(ValueError, match=r"^depth\.activation: identity"):
        depth.bounded_section({**sec, "activation": "identity"})
    with pytest.raises(ValueError, match=r"^depth\.ntk\.sigma_w2: no value below 2\.23"):
        depth.bounded_section({**sec, "ntk": {**sec["ntk"], "sigma_w2": [2.5, 3.0]}})


def test_sampled_gradient_norms_have_the_law_of_the_full_matrix_nets():
    """random_nets.grad_norms_sampled (Gaussian conditioning, one input) against propagate's grad_sq
    (full n x n weights) at width 8, depth 6, two sw2 (ordered, chaotic): mean, mean square and the
    per-layer ratios' means agree within 4 standard errors over 6000 nets (measured: within 2.0); the
    gradient-independence shortcut (W^T delta drawn afresh) is off by up to 6.1."""
    n, depth, nets = 8, 6, 6000
    sw2, q = jnp.array([1.2, 2.5]), jnp.array([0.3, 1.1])
    with x64_context(True):
        keys = jax.random.split(jax.random.PRNGKey(0), nets)
        fast = np.asarray(rn.grad_norms_sampled(keys, q, sw2, 0.05, TANH, n, depth))
        slow = np.stack(
            [
                np.asarray(rn.propagate(k, jnp.ones((2, 1, 1)), q, sw2, 0.05, TANH, n, depth)["grad_sq"])
                for k in jax.random.split(jax.random.PRNGKey(1), nets)
            ]
        )
    assert fast.shape == slow.shape == (nets, 2, depth)
    for stat in (lambda a: a, lambda a: a**2, lambda a: a[..., :-1] / a[..., 1:]):
        f, s_ = stat(fast).reshape(nets, -1), stat(slow).reshape(nets, -1)
        se = np.sqrt(f.var(0) / nets + s_.var(0) / nets)
        assert np.all(np.abs(f.mean(0) - s_.mean(0)) < 4 * se), (f.mean(0), s_.mean(0), se)


def test_sampled_grams_have_the_law_of_the_full_matrix_nets():
    """random_nets.grams_sampled (forward pass by Gaussian conditioning) against propagate's grams on
    three inputs at width 8, depth 6, two sw2: every Gram entry's mean and mean square and every
    correlation's mean agree within 4 standard errors over 12000 nets (measured: within 2.5);
    drawing each input's pre-activations independently (C = diag(A^T A)^(1/2)) is off by ~90."""
    n, depth, nets = 8, 6, 12000
    sw2, q = jnp.array([1.2, 2.5]), jnp.array([0.3, 1.1])
    c = np.array([[1, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1.0]])
    with x64_context(True):
        x = jnp.asarray(np.stack([np.linalg.cholesky(c).T] * 2))
        fast = np.asarray(
            rn.grams_sampled(jax.random.split(jax.random.PRNGKey(0), nets), x, q, sw2, 0.05, TANH, n, depth)
        )
        slow = np.stack(
            [
                np.asarray(rn.propagate(k, x, q, sw2, 0.05, TANH, n, depth)["gram"])
                for k in jax.random.split(jax.random.PRNGKey(1), nets)
            ]
        )
        assert fast.shape == slow.shape == (nets, 2, depth, 3, 3)
        for stat in (lambda a: a, lambda a: a**2, lambda a: np.asarray(rn.correlations(jnp.asarray(a)))):
            f, s_ = stat(fast).reshape(nets, -1), stat(slow).reshape(nets, -1)
            se = np.sqrt(f.var(0) / nets + s_.var(0) / nets)
            assert np.all(np.abs(f.mean(0) - s_.mean(0)) <= 4 * se), np.abs(f.mean(0) - s_.mean(0)) / se


def test_sampled_ntk_has_the_law_of_the_full_matrix_nets():
    """random_nets.ntk_sampled (Gaussian conditioning, O(n) per layer) against ntk_by_depth (full n x n
    weights) at width 8, where finite-width effects are large (the NTK's spread over nets is ~50% of
    its mean): mean, mean square and the diagonals' mean product agree within 4 standard errors over
    6000 nets each (measured: within 1.6); a sampler that draws the backward W^T g independently of
    the forward pass (the gradient-independence shortcut) is off by up to 5.8 standard errors at
    depth 6, one that omits the projection I - Q Q^T by up to 19."""
    n, sw2, sb2, q, nets = 8, 1.7, 0.1, 0.6, 6000
    with x64_context(True):
        x = jnp.asarray(np.array([[1.0, 0.3], [0.0, math.sqrt(1 - 0.09)]]))
        keys = jax.random.split(jax.random.PRNGKey(1), nets)
        for d in (2, 6):
            fast = np.asarray(rn.ntk_sampled(keys, x, q, sw2, sb2, TANH, n, 6, jnp.full(nets, d)))
            slow = np.stack(
                [
                    np.asarray(
                        rn.ntk_by_depth(k, x[None], jnp.array([q]), jnp.array([sw2]), sb2, TANH, n, d, (d,))[
                            "ntk"
                        ]
                    )[0, 0]
                    for k in jax.random.split(jax.random.PRNGKey(2), nets)
                ]
            )
            for stat in (lambda a: a, lambda a: a**2, lambda a: a[:, :1, :1] * a[:, 1:, 1:]):
                f, s_ = stat(fast).reshape(nets, -1), stat(slow).reshape(nets, -1)
                se = np.sqrt(f.var(0) / nets + s_.var(0) / nets)
                assert np.all(np.abs(f.mean(0) - s_.mean(0)) < 4 * se), (d, f.mean(0), s_.mean(0), se)


def test_tiny_run_outputs(tiny_run):
    res = tiny_run / "results"
    checks = pd.read_csv(res / "checks" / "depth.csv")
    assert len(checks) == 11 and set(checks["verdict"]) <= {"pass", "fail", "inconclusive"}
    by = checks.set_index("check")
    for name in (
        "activation_quadrature_closed_form",
        "activation_quadrature_converged",
        "depth_ntk_recursion",
    ):
        assert by.loc[name, "verdict"] == "pass" and by.loc[name, "kind"] == "identity"
    for t in ("quadrature", "wide_kernel", "theory", "xi", "ntk", "nongauss"):
        assert len(pd.read_csv(res / "tables" / f"depth_{t}.csv")) > 0
    assert len(pd.read_csv(res / "tables" / "depth_trainability.csv")) > 0
    for f in ("quadrature", "propagation", "phase_diagram", "ntk", "nongauss", "trainability"):
        assert (res / "figures" / "depth" / f"{f}.png").stat().st_size > 10_000
