"""Our closed-form NNGP / NTK recursion against neural-tangents and against wide empirical kernels."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pipeline import datasets, models
from pipeline.ntk_analytic import limit_kernels, nt_kernels
from pipeline.ntk_empirical import ntk_parts
from pipeline.precision import x64_context

SPECS = {
    "two_layer_relu": models.two_layer_relu(1, d_in=2),
    "relu_deep_bias": models.MLPSpec(depth=3, width=1, d_in=3, w_std=1.3, b_std=0.1),
    "relu_jacot": models.MLPSpec(depth=3, width=1, d_in=2, w_std=1.0, b_std=0.1),
    "erf": models.MLPSpec(depth=2, width=1, d_in=3, activation="erf", w_std=1.1, b_std=0.4, w_std_first=2.0),
    "erf_nobias": models.MLPSpec(depth=1, width=1, d_in=3, activation="erf"),
}


def rel_err(a, b) -> float:
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max())


@pytest.mark.parametrize("name", list(SPECS))
def test_matches_neural_tangents_kernel_fn(name):
    spec = SPECS[name]
    with x64_context():
        x1 = jax.random.normal(jax.random.PRNGKey(0), (30, spec.d_in), jnp.float64)
        x2 = jax.random.normal(jax.random.PRNGKey(1), (12, spec.d_in), jnp.float64)
        for x2_ in (None, x2):
            ours, ref = limit_kernels(spec, x1, x2_), nt_kernels(spec, x1, x2_)
            for k in ("nngp", "ntk"):
                assert ours[k].shape == ref[k].shape
                assert rel_err(ours[k], ref[k]) <= 1e-5, (k, x2_ is None, rel_err(ours[k], ref[k]))
            np.testing.assert_allclose(ours["parts"].sum(0), ours["ntk"], rtol=1e-12)
            assert ours["parts"].shape == (spec.depth + 1,) + ref["ntk"].shape


@pytest.mark.parametrize("name", list(SPECS))
def test_float32_matches_float64(name):
    """In float32 the recursion keeps 1e-5 relative accuracy (the diagonal is exact by construction;
    pairs with cos t within ~1e-7 of +-1 off the diagonal lose it: arccos is ill-conditioned there)."""
    spec = SPECS[name]
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(3), (64, spec.d_in)), np.float64)
    with x64_context():
        ref = limit_kernels(spec, jnp.asarray(x, jnp.float64))
    ours = limit_kernels(spec, jnp.asarray(x, jnp.float32))
    assert ours["ntk"].dtype == jnp.float32
    for k in ("nngp", "ntk"):
        assert rel_err(ours[k], ref[k]) <= 1e-5


def test_seed_net_closed_forms_and_exact_diagonal():
    """K^(a) = x.x' (pi - t)/(2 pi), K^(b) = |x||x'| (sin t + (pi - t) cos t)/(2 pi) (anchors.md)."""
    with x64_context():
        x = np.asarray(jax.random.normal(jax.random.PRNGKey(2), (25, 2), jnp.float64))
        parts = np.asarray(limit_kernels(models.two_layer_relu(1, 2), jnp.asarray(x))["parts"])
    nrm = np.linalg.norm(x, axis=1)
    cos = np.clip((x @ x.T) / np.outer(nrm, nrm), -1, 1)
    t = np.arccos(cos)
    np.fill_diagonal(t, 0.0)
    k_a = (x @ x.T) * (np.pi - t) / (2 * np.pi)
    k_b = np.outer(nrm, nrm) * (np.sin(t) + (np.pi - t) * cos) / (2 * np.pi)
    np.testing.assert_allclose(parts[0], k_a, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(parts[1], k_b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.diag(parts.sum(0)), nrm**2, rtol=1e-14)  # |x|^2/2 + |x|^2/2


def test_seed_net_circle_spectrum():
    """Circulant eigenvalues on 64 circle points (anchors.md): odd k >= 3 vanish, even k decay."""
    x = datasets.circle(64, 8, [1])["x_train"]
    with x64_context():
        k = np.asarray(limit_kernels(models.two_layer_relu(1, 2), jnp.asarray(x))["ntk"])
    g = 2 * np.pi * np.arange(64) / 64
    lam = np.array([np.sum(k[0] * np.cos(j * g)) for j in range(10)])
    np.testing.assert_allclose(lam[[0, 1, 2, 4, 6, 8]], [19.46, 16.0, 5.05, 0.553, 0.212, 0.115], rtol=3e-3)
    assert np.all(np.abs(lam[[3, 5, 7, 9]]) < 1e-9 * lam[0])


@pytest.mark.parametrize(
    "name,width,n_seeds", [("two_layer_relu", 256, 400), ("relu_jacot", 1024, 64), ("erf", 512, 64)]
)
def test_monte_carlo_average_of_wide_empirical_kernels(name, width, n_seeds):
    """The mean of the empirical parts over many inits converges to the analytic parts.

    Depth 1: E[K_m] = K exactly at every width. Deeper: E[K_m] = K + O(1/m). The tolerance is the
    Monte-Carlo standard error (estimated from the draws) plus a 2/m bias allowance.
    """
    spec = SPECS[name].with_width(width)
    x = jnp.asarray(datasets.circle(24, 8, [1])["x_train"], jnp.float32)
    if spec.d_in == 3:
        x = jnp.concatenate([x, jnp.cos(3 * x[:, :1])], axis=1)
    keys = jax.random.split(jax.random.PRNGKey(7), n_seeds)
    draws = jax.lax.map(lambda k: ntk_parts(models.init_params(k, spec), x, spec), keys, batch_size=16)
    draws = np.asarray(draws, np.float64)
    ana = np.asarray(limit_kernels(spec, x)["parts"], np.float64)
    mean, se = draws.mean(0), draws.std(0, ddof=1) / np.sqrt(n_seeds)
    scale = np.abs(ana).max(axis=(1, 2), keepdims=True)
    bias = 0.0 if spec.depth == 1 else 2.0 / width
    assert np.all(np.abs(mean - ana) <= 5 * se + bias * scale + 1e-6 * scale)
    # and the average is far closer than one draw (the test can tell a wrong limit apart)
    one = np.abs(draws[0] - ana).max()
    assert np.abs(mean - ana).max() < 0.5 * one


def test_runs_without_neural_tangents():
    """limit_kernels must not import neural-tangents (so it works on any jax)."""
    code = (
        "import sys; import jax.numpy as jnp; from pipeline import models; "
        "from pipeline.ntk_analytic import limit_kernels; "
        "k = limit_kernels(models.two_layer_relu(1, 2), jnp.eye(2)); "
        "assert 'neural_tangents' not in sys.modules, 'neural_tangents was imported'; print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr
