"""The activation registry wired into the nets (issue 23, Deliver 1): MLPSpec / models.activation take
every registered name, ntk_analytic's limit kernels equal neural-tangents' (closed forms or its
ElementwiseNumerical quadrature) for every activation, a tanh net trains through pipeline.training,
train.activation_class follows the registry, and every stage schema's activation enum is the registry."""

from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import yaml

from pipeline import activations, models, training
from pipeline.mlp_spec import ACTIVATIONS, registry_activation
from pipeline.ntk_analytic import dual_expectations, limit_kernels, nt_kernels
from pipeline.precision import x64_context
from pipeline.stages.train import activation_class

SCHEMAS = Path(__file__).resolve().parents[1] / "workflow" / "schemas"


def _unit_inputs(n: int, d: int, seed: int) -> jnp.ndarray:
    """Inputs of norm sqrt(d): first-layer variance w_std^2 (the stages' regime, q ~ 1)."""
    x = jax.random.normal(jax.random.PRNGKey(seed), (n, d), jnp.float64)
    return x / jnp.linalg.norm(x, axis=1, keepdims=True) * math.sqrt(d)


def test_spec_takes_every_registered_activation_and_the_slope():
    assert ACTIVATIONS == activations.NAMES
    for name in activations.NAMES:
        spec = models.MLPSpec(depth=1, width=4, d_in=2, activation=name)
        phi, dphi = models.activation(spec)
        z = jnp.linspace(-2.0, 2.0, 9)
        act = activations.get(name)
        np.testing.assert_allclose(phi(z), act.np_phi(np.asarray(z)), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(dphi(z), act.np_dphi(np.asarray(z)), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="activation"):
        models.MLPSpec(depth=1, width=4, d_in=2, activation="swishy")
    sec = {"depth": 1, "activation": "leaky_relu", "activation_slope": 0.3, "w_std": 1.0, "b_std": None}
    spec = models.MLPSpec.from_config(sec, 8, 2)
    assert spec.activation_slope == 0.3 and registry_activation(spec).slope == 0.3
    assert float(models.activation(spec)[0](jnp.array(-1.0))) == pytest.approx(-0.3)
    spec = models.MLPSpec.from_config({**sec, "activation": "relu"} | {"activation_slope": 0.1}, 8, 2)
    assert float(jax.grad(models.activation(spec)[0])(0.0)) == 0.0  # as jax.nn.relu


@pytest.mark.parametrize("name", activations.NAMES)
def test_limit_kernels_equal_neural_tangents(name):
    """An identity for every activation: closed forms against neural-tangents' closed forms, our
    order-256 quadrature against its ElementwiseNumerical (degree 96: ~1e-7 at q ~ 1 for tanh, the
    slowest); inputs of first-layer variance ~1 (the quadrature's stated range is q <= 3)."""
    spec = models.MLPSpec(depth=2, width=1, d_in=3, activation=name, w_std=1.2, b_std=0.3, w_std_first=1.0)
    with x64_context():
        x1, x2 = _unit_inputs(8, 3, 0), _unit_inputs(5, 3, 1)
        for x2_ in (None, x2):
            ours, ref = limit_kernels(spec, x1, x2_), nt_kernels(spec, x1, x2_)
            for k in ("nngp", "ntk"):
                err = float(np.abs(ours[k] - ref[k]).max() / np.abs(ref[k]).max())
                assert err <= 1e-5, (name, k, err)


def test_quadrature_kernel_is_wrong_for_another_activation():
    """Must fail: the tanh net's limit from the erf closed form (a plausible mix-up) is far from
    neural-tangents' tanh kernel, far beyond the identity's 1e-5."""
    with x64_context():
        x = _unit_inputs(6, 3, 2)
        tanh = models.MLPSpec(depth=1, width=1, d_in=3, activation="tanh", w_std_first=1.0)
        erf = models.MLPSpec(depth=1, width=1, d_in=3, activation="erf", w_std_first=1.0)
        ref = nt_kernels(tanh, x)["ntk"]
        wrong = limit_kernels(erf, x)["ntk"]
        assert float(np.abs(wrong - ref).max() / np.abs(ref).max()) > 1e-2


def test_dual_expectations_jit_and_match_dual_kernels():
    from pipeline import dual_kernels

    with x64_context():
        q1, q2 = jnp.array([0.5, 1.2], jnp.float64), jnp.array([0.8, 1.0, 1.4], jnp.float64)
        s12 = jnp.array([[0.2, -0.3, 0.5], [0.9, 0.1, -1.0]], jnp.float64)
        for name in ("tanh", "gelu", "leaky_relu", "sin"):
            act = activations.get(name)
            got = jax.jit(lambda a, b, c, act=act: dual_expectations(act, a, b, c, 256))(q1, q2, s12)
            want = dual_kernels.dual(act, np.asarray(q1)[:, None], np.asarray(q2)[None], np.asarray(s12), 256)
            for g, w in zip(got, want):
                np.testing.assert_allclose(np.asarray(g), w, rtol=1e-8, atol=1e-12)


def test_tanh_net_trains_through_pipeline_training():
    spec = models.MLPSpec(depth=2, width=32, d_in=2, activation="tanh", b_std=0.1)
    x = jnp.asarray(np.c_[np.cos(np.linspace(0, 6, 16)), np.sin(np.linspace(0, 6, 16))], jnp.float32)
    y = jnp.sin(2 * jnp.arctan2(x[:, 1], x[:, 0]))
    p0 = training.init_batch(jax.random.PRNGKey(0), spec, [0, 1])
    _, losses = training.gd_run(spec, p0, x, y, 0.05, 50)
    losses = np.asarray(losses)  # (51, 2): small-step GD decreases the loss at every step
    assert np.all(np.isfinite(losses)) and np.all(np.diff(losses, axis=0) <= 1e-6)
    assert np.all(losses[-1] < 0.9 * losses[0])


def test_train_activation_class_follows_the_registry():
    assert {n: activation_class(n) for n in ("relu", "leaky_relu", "abs")} == dict.fromkeys(
        ("relu", "leaky_relu", "abs"), "relu"
    )
    assert all(activation_class(n) == "smooth" for n in ("erf", "tanh", "gelu", "silu", "softplus"))


def _activation_enums(node, found):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "activation" and isinstance(v, dict) and "enum" in v:
                found.append(v["enum"])
            elif k == "names" and isinstance(v, dict) and "enum" in v.get("items", {}):
                found.append(v["items"]["enum"])
            else:
                _activation_enums(v, found)
    elif isinstance(node, list):
        for v in node:
            _activation_enums(v, found)
    return found


@pytest.mark.parametrize("stage", ["ntk", "train", "realdata", "depth"])
def test_schema_activation_enums_are_the_registry(stage):
    enums = _activation_enums(yaml.safe_load((SCHEMAS / f"{stage}.schema.yaml").read_text()), [])
    assert enums and all(tuple(e) == activations.NAMES for e in enums), enums
