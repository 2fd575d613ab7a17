"""Our structured empirical NTK against neural-tangents' three empirical implementations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pipeline import models, nt_compat
from pipeline.ntk_analytic import stax_layers
from pipeline.ntk_empirical import auto_block_size, backward_signals, ntk, ntk_jit, ntk_parts, ntk_parts_jit
from pipeline.precision import x64_context

SPECS = {
    "two_layer_relu": models.two_layer_relu(48, d_in=2),
    "relu_deep_bias": models.MLPSpec(depth=3, width=40, d_in=3, w_std=1.3, b_std=0.1),
    "erf_wide_out": models.MLPSpec(
        depth=2, width=32, d_in=3, d_out=3, activation="erf", w_std=1.1, b_std=0.4, w_std_first=2.0
    ),
}


def to_nt(params):
    """Our list-of-dicts params -> neural-tangents' stax.serial params (Dense, activation, ...)."""
    out = []
    for layer in params:
        out += [(layer["W"], layer.get("b")), ()]
    return out[:-1]


def rel_err(a, b) -> float:
    """max |a - b| / max |b| (entries of a kernel near zero make elementwise ratios meaningless)."""
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max())


def inputs(spec, n1=19, n2=11):
    x1 = jax.random.normal(jax.random.PRNGKey(10), (n1, spec.d_in))
    x2 = jax.random.normal(jax.random.PRNGKey(11), (n2, spec.d_in))
    return x1, x2


@pytest.mark.parametrize("impl", [1, 2, 3])  # Jacobian contraction, NTK-vector products, structured
@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("x64", [False, True])
def test_matches_neural_tangents(impl, name, x64):
    nt = nt_compat.load()
    spec = SPECS[name]
    tol = 1e-10 if x64 else 1e-5
    with x64_context(x64):
        dtype = jnp.float64 if x64 else jnp.float32
        x1, x2 = (x.astype(dtype) for x in inputs(spec))
        params = models.init_params(jax.random.PRNGKey(1), spec, dtype)
        _, apply_fn, _ = stax_layers(spec)
        ref_fn = jax.jit(nt.empirical_ntk_fn(apply_fn, vmap_axes=0, implementation=impl))
        for x2_, block in ((None, None), (None, 8), (x2, 4)):
            ref = ref_fn(x1, x2_, to_nt(params))
            parts = ntk_parts_jit(params, x1, spec=spec, x2=x2_, block_size=block)
            k = ntk_jit(params, x1, spec=spec, x2=x2_, block_size=block)
            assert k.dtype == dtype and k.shape == ref.shape and parts.shape == (spec.depth + 1,) + ref.shape
            assert rel_err(k, ref) <= tol, (x2_ is None, block, rel_err(k, ref))
            assert rel_err(parts.sum(0), ref) <= tol, (x2_ is None, block, rel_err(parts.sum(0), ref))


def test_seed_net_parts_are_the_seed_formulas():
    """Part 0 = (1/m) sum_i b_i^2 1[a_i.x>0] 1[a_i.x'>0] x.x',
    part 1 = (1/m) sum_i relu(a_i.x) relu(a_i.x')."""
    m, d = 64, 2
    spec = models.two_layer_relu(m, d)
    params = models.init_params(jax.random.PRNGKey(3), spec, jnp.float32)
    a, b = np.asarray(params[0]["W"], np.float64), np.asarray(params[1]["W"][:, 0], np.float64)
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(4), (9, d)), np.float64)
    pre = x @ a  # (N, m): a_i . x, not divided by sqrt(d)
    act = (pre > 0).astype(float)
    k_a = ((act * b**2) @ act.T) / m * (x @ x.T)
    k_b = np.maximum(pre, 0) @ np.maximum(pre, 0).T / m
    parts = ntk_parts(params, jnp.asarray(x, jnp.float32), spec)
    assert rel_err(parts[0], k_a) < 1e-5 and rel_err(parts[1], k_b) < 1e-5


def test_symmetric_blocks_exact_and_padding():
    spec = SPECS["relu_deep_bias"]
    params = models.init_params(jax.random.PRNGKey(1), spec)
    x = jax.random.normal(jax.random.PRNGKey(2), (37, spec.d_in))  # 37: not a multiple of any block
    full = ntk_parts(params, x, spec)
    for block in (5, 16, 36, 37, 100):
        k = ntk_parts(params, x, spec, block_size=block)
        assert k.shape == (spec.depth + 1, 37, 37)
        np.testing.assert_array_equal(np.asarray(k), np.swapaxes(np.asarray(k), -1, -2))  # exactly symmetric
        assert rel_err(k, full) < 1e-6
    with pytest.raises(ValueError, match="block_size"):
        ntk(params, x, spec, block_size=0)


def test_jit_and_vmap_over_seeds_match_the_loop():
    spec = SPECS["two_layer_relu"]
    x = jax.random.normal(jax.random.PRNGKey(2), (20, 2))
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    batched = jax.jit(jax.vmap(lambda k: ntk_parts(models.init_params(k, spec), x, spec, block_size=8)))(keys)
    for s, key in enumerate(keys):
        params = models.init_params(key, spec)
        np.testing.assert_allclose(
            batched[s], ntk_parts_jit(params, x, spec=spec, block_size=8), rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(ntk_jit(params, x, spec=spec), batched[s].sum(0), rtol=1e-5, atol=1e-5)


def test_backward_signals_are_gradients():
    """G_l = df/dz_l: the read-out sensitivity times W^T, against jax.grad through the net."""
    spec = models.MLPSpec(depth=2, width=16, d_in=3, b_std=0.2)
    params = models.init_params(jax.random.PRNGKey(5), spec)
    x = jax.random.normal(jax.random.PRNGKey(6), (4, 3))
    hs, gs = backward_signals(params, x, spec)
    assert [h.shape for h in hs] == [(4, 3), (4, 16), (4, 16)]
    assert [g.shape for g in gs] == [(4, 16), (4, 16), (4, 1)]
    # df/db_1 = b_std * G_1 summed over the batch
    grad_b1 = jax.grad(lambda p: models.apply(p, x, spec).sum())(params)[0]["b"]
    np.testing.assert_allclose(grad_b1, spec.b_std * gs[0].sum(0), rtol=1e-5, atol=1e-6)


def test_auto_block_size():
    assert auto_block_size(128) is None
    for n in (1000, 2048, 8192):
        b = auto_block_size(n)
        assert 256 <= b < n and b % 128 == 0
