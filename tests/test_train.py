"""The GD engine (pipeline.training) and the linearised model (pipeline.linearized)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pipeline import datasets, linearized, models, training
from pipeline.ntk_empirical import ntk, ntk_parts
from pipeline.precision import x64_context


def circle_data(n=12, m_test=20, dtype=jnp.float32):
    d = datasets.circle(n, m_test, harmonics=[1, 2, 3])
    return (
        jnp.asarray(d["x_train"], dtype),
        jnp.asarray(d["y_train"][:, 0], dtype),
        jnp.asarray(d["x_test"], dtype),
    )


SPECS = [
    models.two_layer_relu(37),
    models.MLPSpec(1, 23, 2, w_std=1.3, b_std=0.7, w_std_first=0.9),
    models.MLPSpec(1, 19, 3, b_std=None),
]


@pytest.mark.parametrize("spec", SPECS, ids=["two_layer_relu", "bias", "d3"])
def test_fast_path_equals_autodiff_and_ntk_empirical(spec):
    with x64_context():
        rng = np.random.default_rng(0)
        x = jnp.asarray(rng.standard_normal((9, spec.d_in)))
        y = jnp.asarray(rng.standard_normal(9))
        params = models.init_params(jax.random.PRNGKey(3), spec, jnp.float64)
        fast, slow = training.fast_one_hidden_relu(spec), training.generic_fns(spec)
        l1, f1, g1 = fast.loss_grad(params, x, y)
        l2, f2, g2 = slow.loss_grad(params, x, y)
        np.testing.assert_allclose(f1, models.apply(params, x, spec)[:, 0], rtol=1e-12)
        np.testing.assert_allclose(l1, l2, rtol=1e-12)
        np.testing.assert_allclose(f1, f2, rtol=1e-12)
        assert jax.tree.structure(g1) == jax.tree.structure(params)
        for a, b in zip(jax.tree.leaves(g1), jax.tree.leaves(g2)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
        x2 = jnp.asarray(rng.standard_normal((5, spec.d_in)))
        np.testing.assert_allclose(
            fast.kernel_parts(params, x), ntk_parts(params, x, spec), rtol=1e-10, atol=1e-13
        )
        np.testing.assert_allclose(
            fast.kernel_parts(params, x2, x), ntk_parts(params, x2, spec, x), rtol=1e-10, atol=1e-13
        )


def test_generic_path_used_for_deep_nets():
    assert training.uses_fast_path(models.two_layer_relu(8))
    assert not training.uses_fast_path(models.MLPSpec(3, 8, 2, b_std=0.1))
    assert not training.uses_fast_path(models.MLPSpec(1, 8, 2, activation="erf"))
    with pytest.raises(ValueError, match="fast path"):
        training.fast_one_hidden_relu(models.MLPSpec(2, 8, 2))


def test_record_steps_and_chunk_plan():
    s = training.record_steps(3000, 10, 30)
    assert s[0] == 0 and s[-1] == 3000 and np.all(np.diff(s) > 0)
    np.testing.assert_array_equal(s[:11], np.arange(11))
    assert 30 <= len(s) <= 41
    np.testing.assert_array_equal(training.record_steps(5, 10, 3), np.arange(6))
    counts, slots = training._chunk_plan(3000, s, 7)
    assert counts.shape == slots.shape and counts.sum() == 3000
    np.testing.assert_array_equal(
        np.cumsum(counts.ravel())[slots.ravel() >= 0], s
    )  # record after those steps
    np.testing.assert_array_equal(np.sort(slots[slots >= 0]), np.arange(len(s)))
    per_chunk = counts.sum(1)
    assert per_chunk.max() - per_chunk.min() <= 1  # chunks of equal length (progress lines)


def test_effective_eta():
    assert training.effective_eta(1.0, 100, "mean") == 0.01
    assert training.effective_eta(0.3, 100, "sum") == 0.3
    with pytest.raises(ValueError, match="sum' or 'mean"):
        training.effective_eta(1.0, 10, "avg")


def _sweep(spec, seeds, n_steps=40, lr=0.5, **kw):
    x, y, xt = circle_data()
    p0 = training.init_batch(jax.random.PRNGKey(0), spec, seeds)
    steps = training.record_steps(n_steps, 3, 6)
    res = training.train_sweep(spec, p0, x, y, xt, n_steps=n_steps, steps=steps, lr=lr, n_chunks=3, **kw)
    return res, p0, steps, (x, y, xt)


@pytest.fixture(scope="module")
def seed_run():
    return _sweep(models.two_layer_relu(64), [0, 1, 2])


def test_sweep_records_match_plain_gd_and_definitions(seed_run):
    spec = models.two_layer_relu(64)
    res, p0, steps, (x, y, xt) = seed_run
    S, T, N, M = 3, len(steps), x.shape[0], xt.shape[0]
    shapes = {
        "loss": (S, T),
        "f_train": (S, T, N),
        "f_test": (S, T, M),
        "f_lin_train": (S, T, N),
        "f_lin_test": (S, T, M),
        "w_rel": (S, T),
        "w_rel_layers": (S, T, 2),
        "k_drift_fro": (S, T),
        "k_drift_op": (S, T),
        "K0": (S, N, N),
        "KT": (S, N, N),
        "eta": (S,),
        "lambda_max": (S,),
        "diverged": (S,),
        "w_first_0": (S, 2, 48),
        "w_first_T": (S, 2, 48),
    }
    for k, shape in shapes.items():
        assert res[k].shape == shape, k
    K0 = np.stack([ntk(jax.tree.map(lambda a: a[s], p0), x, spec) for s in range(S)])
    np.testing.assert_allclose(res["K0"], K0, rtol=2e-5, atol=1e-5)
    np.testing.assert_allclose(res["lambda_max"], np.linalg.eigvalsh(K0)[:, -1], rtol=1e-4)
    np.testing.assert_allclose(res["eta"], 0.5 / res["lambda_max"], rtol=1e-6)
    # the same GD without records: same losses at the recorded steps, same final kernel
    p_t, losses = training.gd_run(spec, p0, x, y, jnp.asarray(res["eta"]), steps[-1])
    np.testing.assert_allclose(res["loss"], np.asarray(losses)[steps].T, rtol=2e-5)
    KT = np.stack([ntk(jax.tree.map(lambda a: a[s], p_t), x, spec) for s in range(S)])
    np.testing.assert_allclose(res["KT"], KT, rtol=2e-4, atol=1e-4)
    w_rel, _ = training.rel_change(p_t, p0)
    np.testing.assert_allclose(res["w_rel"][:, -1], w_rel, rtol=1e-4)
    assert np.all(res["w_rel"][:, 0] == 0) and np.all(res["k_drift_fro"][:, 0] < 1e-6)
    np.testing.assert_allclose(res["f_lin_train"][:, 0], res["f_train"][:, 0])
    dK = KT - K0
    np.testing.assert_allclose(
        res["k_drift_fro"][:, -1],
        np.linalg.norm(dK, axis=(1, 2)) / np.linalg.norm(K0, axis=(1, 2)),
        rtol=5e-3,
    )
    np.testing.assert_allclose(res["k_drift_op"][:, -1], np.abs(np.linalg.eigvalsh(dK)).max(1), rtol=5e-3)
    assert np.all(res["loss"][:, -1] < res["loss"][:, 0]) and not res["diverged"].any()
    np.testing.assert_array_equal(res["diverged_step"], -1)
    # vmapped over seeds = each seed alone = seeds mapped one at a time inside the program
    one, *_ = _sweep(spec, [2])
    np.testing.assert_allclose(one["loss"][0], res["loss"][2], rtol=1e-6)
    np.testing.assert_allclose(one["f_test"][0], res["f_test"][2], rtol=1e-5, atol=1e-6)
    mapped, *_ = _sweep(spec, [0, 1, 2], seed_batch=1)
    for k in ("loss", "f_test", "f_lin_test", "w_rel", "k_drift_fro", "KT"):
        np.testing.assert_allclose(mapped[k], res[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_sweep_linear_model_is_kernel_gd_on_K0():
    spec = models.MLPSpec(1, 32, 2, b_std=0.5, w_std_first=math.sqrt(2))
    res, p0, steps, (x, y, xt) = _sweep(spec, [0, 1])
    fns = training.model_fns(spec)
    for s in range(2):
        p = jax.tree.map(lambda a: a[s], p0)
        K0, Kt = fns.kernel_parts(p, x).sum(0), fns.kernel_parts(p, xt, x).sum(0)
        tr, te = linearized.kernel_gd(
            K0, Kt, y, fns.output(p, x), fns.output(p, xt), float(res["eta"][s]), steps[-1]
        )
        np.testing.assert_allclose(res["f_lin_train"][s], np.asarray(tr)[steps], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(res["f_lin_test"][s], np.asarray(te)[steps], rtol=1e-4, atol=1e-5)


def test_linearized_three_ways_agree_step_for_step():
    """Weight-space JVP training == function-space kernel GD == neural-tangents' closed form."""
    with x64_context():
        spec = models.MLPSpec(1, 24, 2, b_std=0.3, w_std_first=math.sqrt(2))
        x, y, xt = circle_data(10, 15, jnp.float64)
        params0 = models.init_params(jax.random.PRNGKey(1), spec, jnp.float64)
        f = lambda p, x: models.apply(p, x, spec)[:, 0]  # noqa: E731
        K0 = ntk(params0, x, spec)
        Kt = ntk(params0, xt, spec, x)
        eta, n = 0.5 / float(jnp.linalg.eigvalsh(K0)[-1]), 60
        w_tr, w_te = linearized.train_linearized_weights(f, params0, x, y, xt, eta, n)
        k_tr, k_te = linearized.kernel_gd(K0, Kt, y, f(params0, x), f(params0, xt), eta, n)
        np.testing.assert_allclose(w_tr, k_tr, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(w_te, k_te, rtol=1e-9, atol=1e-11)
        t = np.arange(n + 1)
        nt_tr, nt_te = linearized.nt_gradient_descent_mse(K0, Kt, y, f(params0, x), f(params0, xt), eta, t)
        np.testing.assert_allclose(nt_tr, k_tr, rtol=1e-8, atol=1e-9)
        np.testing.assert_allclose(nt_te, k_te, rtol=1e-8, atol=1e-9)
        # neural-tangents' own continuous-time flow (learning_rate = eta N) -> discrete GD as eta -> 0
        small = eta / 50
        k_tr, k_te = linearized.kernel_gd(K0, Kt, y, f(params0, x), f(params0, xt), small, n)
        c_tr, c_te = linearized.nt_gradient_descent_mse(
            K0, Kt, y, f(params0, x), f(params0, xt), small, t, discrete=False
        )
        scale = np.abs(np.asarray(k_tr[0] - y)).max()
        assert np.abs(c_tr - np.asarray(k_tr)).max() < 0.01 * scale
        assert np.abs(c_te - np.asarray(k_te)).max() < 0.01 * scale
        assert np.abs(c_tr - np.asarray(k_tr)).max() > 0  # not the same computation


def test_discrete_time_kernels_need_stable_step():
    K = np.diag([2.0, 1.0, 0.0])
    Kd, Kt = linearized.discrete_time_kernels(K, np.eye(3), 0.25)
    np.testing.assert_allclose(np.diag(Kd), -np.log1p(-0.25 * np.array([2.0, 1.0, 0.0])) / 0.25, atol=1e-15)
    with pytest.raises(ValueError, match=">= 1"):
        linearized.discrete_time_kernels(K, np.eye(3), 0.6)


def test_divergence_is_detected_and_frozen(seed_run):
    res, *_ = _sweep(models.two_layer_relu(64), [0, 1, 2], lr=5.0)  # the same program as seed_run, reused
    ok, *_ = seed_run
    np.testing.assert_allclose(res["loss"][:, 0], ok["loss"][:, 0])
    assert res["diverged"].all() and np.all(res["diverged_step"] >= 0)
    last_ok = res["loss"][:, 0]
    assert np.all(np.isfinite(last_ok))  # step 0 recorded before divergence
    assert np.isnan(res["loss"][:, -1]).all() and np.isnan(res["f_test"][:, -1]).all()
    msg = training.divergence_message("two_layer_relu", 64, [0, 1, 2], res, res["eta"])
    assert "two_layer_relu" in msg and "width 64" in msg and "seed 0" in msg and "seed 2" in msg
    assert f"{res['eta'][0]:.4g}" in msg
    assert training.divergence_message("a", 1, [0], {"diverged": np.array([False])}, [0.1]) is None


def test_deep_net_trains_with_autodiff_path():
    spec = models.MLPSpec(2, 16, 2, b_std=0.1)
    res, *_ = _sweep(spec, [0, 1], n_steps=20)
    assert res["w_rel_layers"].shape[-1] == 3 and np.isfinite(res["k_drift_op"]).all()
    assert np.all(res["loss"][:, -1] < res["loss"][:, 0])
