"""The activation registry (pipeline.activations): every name, its derivative against jax.grad, and
the numpy / jax forms agree."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from pipeline import activations


def test_registry_has_the_issue_list():
    assert set(activations.NAMES) >= {
        "relu",
        "leaky_relu",
        "abs",
        "erf",
        "tanh",
        "sigmoid",
        "gelu",
        "silu",
        "softplus",
        "sin",
        "identity",
    }
    with pytest.raises(ValueError, match="unknown activation"):
        activations.get("swishy")


@pytest.mark.parametrize("name", activations.NAMES)
def test_derivative_matches_autodiff(name):
    act = activations.get(name, slope=0.2)
    x = np.array([-2.3, -0.7, -0.1, 0.15, 0.9, 3.1])  # no kink at 0
    grad = jax.vmap(jax.grad(lambda t: act.jax_phi(t)))(x.astype(np.float32))
    np.testing.assert_allclose(act.np_dphi(x), np.asarray(grad), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(
        act.np_phi(x), np.asarray(act.jax_phi(x.astype(np.float32))), rtol=2e-6, atol=2e-6
    )


def test_known_values():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(activations.get("leaky_relu", 0.1).np_phi(x), [-0.1, 0.0, 2.0])
    from scipy.stats import norm

    np.testing.assert_allclose(activations.get("gelu").np_phi(x), x * norm.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(activations.get("silu").np_phi(x), x / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(activations.get("softplus").np_phi(x), np.log1p(np.exp(x)), rtol=1e-12)
    assert activations.get("tanh").smooth and not activations.get("relu").smooth
    assert activations.get("leaky_relu", 0.3) != activations.get("leaky_relu", 0.1)
    hash(activations.get("tanh"))  # a jit static argument
