"""Parameterisation conventions (pipeline.parameterisations) and the ntk default left unchanged."""

from __future__ import annotations

import math
from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from pipeline import models, training
from pipeline import parameterisations as P


def _x(n=7, d=3, seed=0):
    return jax.random.normal(jax.random.PRNGKey(seed), (n, d))


def test_default_is_ntk_and_unchanged():
    spec = models.two_layer_relu(16)
    assert spec.parameterization == "ntk" and spec.base_width is None
    key = jax.random.PRNGKey(1)
    p_models = models.init_params(key, spec)
    p_table = P.init_params(key, spec)
    x = _x(d=2)
    for a, b in zip(jax.tree.leaves(p_models), jax.tree.leaves(p_table)):
        np.testing.assert_array_equal(a, b)
    # the generic forward with the ntk rows gives the same numbers as models.forward
    np.testing.assert_allclose(
        P.apply(p_models, x, spec), models.apply(p_models, x, spec), rtol=1e-6, atol=1e-6
    )
    with pytest.raises(ValueError):
        replace(spec, parameterization="sp")


def test_fast_path_only_for_ntk():
    spec = models.two_layer_relu(8)
    assert training.uses_fast_path(spec)
    for p in ("standard", "mup"):
        other = replace(spec, parameterization=p)
        assert not training.uses_fast_path(other)
        with pytest.raises(ValueError):
            training.fast_one_hidden_relu(other)
        assert training.model_fns(other).output is not training.fast_one_hidden_relu  # autodiff form
        with pytest.raises(NotImplementedError):
            training.model_fns(other).kernel_parts(P.init_params(jax.random.PRNGKey(0), other), _x(d=2))


def test_mup_at_base_width_equals_standard():
    x = _x(d=5)
    for depth in (1, 2):
        sp = models.MLPSpec(depth, 32, 5, d_out=3, b_std=0.5, parameterization="standard")
        mup = replace(sp, parameterization="mup", base_width=32)
        key = jax.random.PRNGKey(3)
        p_sp, p_mup = models.init_params(key, sp), models.init_params(key, mup)
        for a, b in zip(jax.tree.leaves(p_sp), jax.tree.leaves(p_mup)):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(models.apply(p_sp, x, sp), models.apply(p_mup, x, mup))
        for opt in ("sgd", "adam"):
            assert P.lr_multipliers(sp, opt) == P.lr_multipliers(mup, opt)


def test_standard_init_scales():
    spec = models.MLPSpec(2, 512, 64, w_std=1.5, b_std=0.3, parameterization="standard")
    p = P.scale_init(spec, P.normal_draws(np.random.default_rng(0), spec, 1))
    assert float(np.std(p[0]["W"])) == pytest.approx(1.5 / 8, rel=0.05)
    assert float(np.std(p[1]["W"])) == pytest.approx(1.5 / math.sqrt(512), rel=0.05)
    assert float(np.std(p[1]["b"])) == pytest.approx(0.3, rel=0.15)


def test_mup_one_hidden_layer_is_mean_field():
    """f = (n0 / m) sum_i b_i relu(a_i . x) with b_i ~ N(0, 1 / n0): muP of one hidden layer."""
    m, n0 = 256, 64
    spec = models.MLPSpec(1, m, 2, w_std_first=math.sqrt(2), parameterization="mup", base_width=n0)
    p = P.init_params(jax.random.PRNGKey(0), spec)
    x = _x(d=2)
    a, b = p[0]["W"], p[1]["W"][:, 0]
    want = (n0 / m) * jax.nn.relu(x @ a) @ b
    np.testing.assert_allclose(models.apply(p, x, spec)[:, 0], want, rtol=1e-5, atol=1e-6)
    assert float(jnp.std(b)) == pytest.approx(1 / math.sqrt(n0), rel=0.15)
    sgd = P.lr_multipliers(spec, "sgd")
    assert sgd[0]["W"] == sgd[1]["W"] == m / n0


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_per_layer_learning_rates_reach_the_right_leaves(name):
    spec = models.MLPSpec(2, 64, 3, b_std=0.1, parameterization="mup", base_width=16)
    r = 4.0
    want = {
        "sgd": [{"W": r, "b": r}, {"W": 1.0, "b": r}, {"W": r, "b": 1.0}],
        "adam": [{"W": 1.0, "b": 1.0}, {"W": 1 / r, "b": 1.0}, {"W": 1.0, "b": 1.0}],
    }[name]
    assert P.lr_multipliers(spec, name) == want
    params = P.init_params(jax.random.PRNGKey(0), spec)
    grads = jax.tree.map(lambda a: jnp.full_like(a, 0.5), params)
    tx = P.optimizer(spec, name, 0.01)
    updates, _ = tx.update(grads, tx.init(params), params)
    for u, m in zip(jax.tree.leaves(updates), jax.tree.leaves(want)):
        # sgd: -lr * mult * g; adam's first step: -lr * mult * sign(g)
        step = 0.01 * m * (0.5 if name == "sgd" else 1.0)
        np.testing.assert_allclose(np.asarray(u), -step, rtol=1e-4)
    # stacked (vmapped) params: the same labels apply leaf by leaf
    stacked = jax.tree.map(lambda a: jnp.stack([a, a]), params)
    up2, _ = tx.update(jax.tree.map(lambda a: jnp.full_like(a, 0.5), stacked), tx.init(stacked), stacked)
    np.testing.assert_allclose(np.asarray(up2[1]["W"][1]), np.asarray(updates[1]["W"]), rtol=1e-6)
    assert isinstance(tx, optax.GradientTransformation)


def test_alpha_centred_model_is_zero_at_init_and_its_gradient():
    spec = models.two_layer_relu(32)
    p0 = models.init_params(jax.random.PRNGKey(0), spec)
    x = _x(d=2)
    y = jnp.sin(x[:, 0])
    apply_fn = lambda p, x: models.apply(p, x, spec)[:, 0]  # noqa: E731
    for alpha in (0.01, 1.0, 100.0):
        f_a = P.centred(apply_fn, p0, alpha)
        np.testing.assert_array_equal(f_a(p0, x), 0.0)
        p1 = jax.tree.map(lambda a: a + 0.01, p0)
        g_ref = jax.grad(P.centred_loss(apply_fn, p0, alpha))(p1, x, y)
        target = P.centred_target(apply_fn(p0, x), y, alpha)
        _, _, g_fast = training.fast_one_hidden_relu(spec).loss_grad(p1, x, target)
        for a, b in zip(jax.tree.leaves(g_ref), jax.tree.leaves(g_fast)):
            np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-5 * float(jnp.abs(a).max()))


def test_effective_ntk_matches_empirical_ntk_for_ntk():
    from pipeline.ntk_empirical import ntk

    spec = models.MLPSpec(2, 16, 3, b_std=0.2)
    p = models.init_params(jax.random.PRNGKey(2), spec)
    x = _x(d=3)
    np.testing.assert_allclose(P.effective_ntk(spec, p, x), ntk(p, x, spec), rtol=1e-4, atol=1e-5)


# Numbers of the ntk path computed with the code BEFORE the parameterisation field existed (git HEAD
# at the time: pipeline/models.py and pipeline/training.py without it): outputs, empirical NTK parts,
# the fast-path loss, gradient and kernel parts for the two-layer ReLU net and a one-hidden-layer
# net with bias.
GOLDEN_NTK = [
    4.312873840332031,
    23.13728904724121,
    3.70192289352417,
    10.054080963134766,
    23.13728904724121,
    5.402148723602295,
    42.0598030090332,
    5.6254072189331055,
    16.231403350830078,
    42.0598030090332,
]


def test_ntk_numbers_unchanged_before_and_after():
    from pipeline.ntk_empirical import ntk_parts

    g = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    x = jnp.asarray(np.stack([np.cos(g), np.sin(g)], 1), jnp.float32)
    y = jnp.asarray(np.cos(2 * g), jnp.float32)
    out = []
    specs = (models.two_layer_relu(64), models.MLPSpec(1, 32, 2, b_std=0.5, w_std_first=math.sqrt(2)))
    for spec in specs:
        p = models.init_params(jax.random.PRNGKey(0), spec)
        out.append(float(jnp.sum(models.apply(p, x, spec) ** 2)))
        out.append(float(jnp.sum(ntk_parts(p, x, spec))))
        fns = training.model_fns(spec)
        loss, _, grads = fns.loss_grad(p, x, y)
        out += [float(loss), float(sum(jnp.sum(a**2) for a in jax.tree.leaves(grads)))]
        out.append(float(jnp.sum(fns.kernel_parts(p, x))))
    np.testing.assert_allclose(out, GOLDEN_NTK, rtol=1e-5)
