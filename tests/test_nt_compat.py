import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pipeline import nt_compat


def test_loads_without_tensorflow_and_version():
    nt = nt_compat.load()
    assert nt.__version__ == "0.6.5"
    with pytest.raises(ImportError, match="TensorFlow"):
        nt.experimental.tf2jax  # noqa: B018


@pytest.mark.parametrize("impl", [0, 1, 2, 3])  # AUTO, Jacobian contraction, NTK-VP, structured
def test_all_empirical_ntk_implementations_agree(impl):
    nt = nt_compat.load()
    from neural_tangents import stax

    init, apply, _ = stax.serial(stax.Dense(64), stax.Relu(), stax.Dense(64), stax.Relu(), stax.Dense(1))
    x = jax.random.normal(jax.random.PRNGKey(0), (8, 3))
    _, params = init(jax.random.PRNGKey(1), x.shape)
    ref = nt.empirical_ntk_fn(apply, vmap_axes=0, implementation=1)(x, None, params)
    k = nt.empirical_ntk_fn(apply, vmap_axes=0, implementation=impl)(x, None, params)
    np.testing.assert_allclose(np.asarray(k), np.asarray(ref), rtol=1e-4, atol=1e-5)
    assert k.shape == (8, 8)


def test_analytic_kernel_runs():
    nt_compat.load()
    from neural_tangents import stax

    _, _, kernel_fn = stax.serial(stax.Dense(1), stax.Relu(), stax.Dense(1))
    x = jnp.eye(2)
    k = kernel_fn(x, x, "ntk")
    assert k.shape == (2, 2) and bool(jnp.all(jnp.isfinite(k)))
