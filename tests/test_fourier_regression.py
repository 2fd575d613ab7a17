"""Coordinate-MLP image regression (pipeline.image_regression): init, PSNR, vmapped Adam training."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pipeline import fourier_features as ff
from pipeline import image_regression as ir
from pipeline.datasets import split_image


def test_init_is_stax_dense_default():
    params = ir.init_mlp(jax.random.PRNGKey(0), 300, 200, hidden_layers=2)
    assert [p["W"].shape for p in params] == [(300, 200), (200, 200), (200, 3)]
    assert float(params[1]["W"].std()) == pytest.approx(np.sqrt(2 / 400), rel=0.05)  # glorot normal
    assert float(params[0]["b"].std()) == pytest.approx(0.01, rel=0.3)


def test_output_in_unit_interval_and_psnr_definition():
    params = ir.init_mlp(jax.random.PRNGKey(1), 4, 8, 2)
    out = ir.mlp_apply(params, 100.0 * jax.random.normal(jax.random.PRNGKey(2), (50, 4)))
    assert out.shape == (50, 3) and float(out.min()) >= 0 and float(out.max()) <= 1
    y = jnp.full((2, 10, 3), 0.5)
    np.testing.assert_allclose(ir.psnr(y + 0.1, y), [20.0, 20.0], rtol=1e-5)  # MSE 0.01 -> 20 dB


def _stripes(n=2, r=32, freq=3):
    """High-frequency test images: sinusoidal stripes (different per image)."""
    t = np.arange(r) / r
    u, v = np.meshgrid(t, t, indexing="ij")
    imgs = [
        0.5 + 0.4 * np.sin(2 * np.pi * (freq + i) * u + i)[..., None] * np.array([1.0, 0.5, -0.5])
        for i in range(n)
    ]
    return np.stack(imgs).astype(np.float32)


def _fit(mapping, images, steps=150, batch_images=0, sigma=4.0):
    x_tr, y_tr, x_te, y_te = split_image(images)
    B, a = ff.mapping_matrices(mapping, 2, n_freq=32, sigma=sigma, pe_scale=3.0, seed=0)
    enc = lambda x: ff.encode(jnp.asarray(x, jnp.float32), B, a)  # noqa: E731
    return ir.fit_images(
        enc(x_tr),
        jnp.asarray(y_tr),
        enc(x_te),
        jnp.asarray(y_te),
        width=32,
        hidden_layers=2,
        lr=3e-3,
        steps=steps,
        eval_every=50,
        key=jax.random.PRNGKey(0),
        batch_images=batch_images,
    )


def test_fit_records_curves_and_learns():
    out = _fit("gaussian", _stripes())
    assert out["steps"].tolist() == [0, 50, 100, 150]
    assert out["psnr_train"].shape == (2, 4) and out["psnr_test"].shape == (2, 4)
    np.testing.assert_array_equal(out["final_test"], out["psnr_test"][:, -1])
    assert np.all(out["psnr_train"][:, -1] > out["psnr_train"][:, 0] + 5)


def test_vmap_over_images_equals_one_at_a_time():
    imgs = _stripes(3)
    together, alone = _fit("basic", imgs, steps=30), _fit("basic", imgs, steps=30, batch_images=1)
    np.testing.assert_allclose(together["psnr_test"], alone["psnr_test"], atol=1e-3)


def test_fourier_features_beat_raw_coordinates_on_high_frequencies():
    imgs = _stripes()
    none, gauss = _fit("none", imgs), _fit("gaussian", imgs)
    assert gauss["final_test"].mean() > none["final_test"].mean() + 3
