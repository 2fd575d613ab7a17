import numpy as np
import pytest

from pipeline import datasets


def test_circle_shapes_norms_and_harmonics():
    d = datasets.circle(64, 256, harmonics=[1, 2, 4, 8, 3], amplitudes=[1, 0.5, 2, 1, 3])
    assert d["x_train"].shape == (64, 2) and d["y_train"].shape == (64, 1)
    assert d["x_test"].shape == (256, 2) and d["y_test"].shape == (256, 1)
    np.testing.assert_allclose(np.linalg.norm(d["x_train"], axis=1), 1.0, atol=1e-12)
    spec = np.abs(np.fft.rfft(d["y_train"][:, 0])) * 2 / 64
    expected = np.zeros_like(spec)
    expected[[1, 2, 4, 8, 3]] = [1, 0.5, 2, 1, 3]
    np.testing.assert_allclose(spec, expected, atol=1e-10)


def test_circle_noise_is_seeded_and_train_only():
    a = datasets.circle(32, 64, [1], noise=0.1, seed=3)
    b = datasets.circle(32, 64, [1], noise=0.1, seed=3)
    c = datasets.circle(32, 64, [1], noise=0.1, seed=4)
    np.testing.assert_array_equal(a["y_train"], b["y_train"])
    assert not np.allclose(a["y_train"], c["y_train"])
    np.testing.assert_allclose(a["y_test"][:, 0], np.cos(a["gamma_test"]), atol=1e-12)


def test_amplitudes_must_match_harmonics():
    with pytest.raises(ValueError, match="amplitudes"):
        datasets.circle(8, 8, [1, 2], amplitudes=[1.0])


def test_sphere_on_unit_sphere_and_zonal_target():
    d = datasets.sphere(4, 100, 50, harmonics=[2], seed=1)
    np.testing.assert_allclose(np.linalg.norm(d["x_train"], axis=1), 1.0, atol=1e-12)
    ang = np.arccos(d["x_train"][:, 0])
    np.testing.assert_allclose(d["y_train"][:, 0], np.cos(2 * ang), atol=1e-12)
    e = datasets.sphere(4, 100, 50, harmonics=[2], seed=1)
    np.testing.assert_array_equal(d["x_train"], e["x_train"])


def test_gaussian_product_target():
    d = datasets.gaussian_product(50, 20, dim=3, seed=2)
    assert d["x_train"].shape == (50, 3)
    np.testing.assert_allclose(d["y_train"][:, 0], d["x_train"][:, 0] * d["x_train"][:, 1])


def test_images_range_and_split():
    imgs = np.concatenate([datasets.natural_images(["astronaut"], 32), datasets.text_images(2, 32, seed=0)])
    assert imgs.shape == (3, 32, 32, 3) and imgs.dtype == np.float32
    assert 0.0 <= imgs.min() and imgs.max() <= 1.0 and imgs.std() > 0.05
    x_tr, y_tr, x_te, y_te = datasets.split_image(imgs)
    assert x_tr.shape == (256, 2) and y_tr.shape == (3, 256, 3) and y_te.shape == (3, 256, 3)
    np.testing.assert_array_equal(y_tr[1].reshape(16, 16, 3), imgs[1, ::2, ::2])
    np.testing.assert_array_equal(y_te[2].reshape(16, 16, 3), imgs[2, 1::2, 1::2])
    np.testing.assert_allclose(x_te[0], [1 / 32, 1 / 32])


def test_text_images_deterministic():
    np.testing.assert_array_equal(datasets.text_images(2, 24, seed=5), datasets.text_images(2, 24, seed=5))


def _power_above_train_nyquist(imgs: np.ndarray) -> np.ndarray:
    """Per image: share of the (grey, mean-free) spectral power at frequencies above r/4 cycles per
    side, i.e. detail that the [::2, ::2] training grid cannot resolve. (n,)"""
    r = imgs.shape[1]
    g = imgs.mean(-1) - imgs.mean(axis=(1, 2, 3))[:, None, None]
    power = np.abs(np.fft.fft2(g)) ** 2
    f = np.abs(np.fft.fftfreq(r) * r)
    high = np.maximum(f[:, None], f[None, :]) > r / 4
    return power[:, high].sum(1) / power.sum((1, 2))


def test_text_min_px_keeps_glyphs_resolvable_on_training_grid():
    """The font-size floor is what makes the text set learnable at low resolution: tiny glyphs put
    nearly half their power above the training grid's Nyquist frequency, the default floor little."""
    tiny = _power_above_train_nyquist(datasets.text_images(4, 64, seed=0, min_px=6))
    default = _power_above_train_nyquist(datasets.text_images(4, 64, seed=0))
    assert np.all(default < 0.25), default
    assert np.all(default < 0.5 * tiny), (default, tiny)


def test_text_fills_the_image():
    """Lines of text cover the whole height (as in Tancik et al.'s text set), not a corner."""
    imgs = datasets.text_images(4, 64, seed=1)
    background = np.median(imgs.reshape(4, -1, 3), axis=1)[:, None, None, :]
    ink = np.abs(imgs - background).max(-1) > 0.2  # text is darker than the light background
    halves = ink.reshape(4, 2, 32, 64).mean(axis=(2, 3))  # top and bottom half of each image
    assert np.all(halves > 0.05), halves.round(3)


def test_missing_and_unreadable_image_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.file_images([tmp_path / "nope.png"], 16)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read image"):
        datasets.file_images([bad], 16)


def test_user_image_file_roundtrip(tmp_path):
    from PIL import Image

    arr = (np.random.default_rng(0).random((40, 60, 3)) * 255).astype(np.uint8)
    Image.fromarray(arr).save(tmp_path / "img.png")
    out = datasets.file_images([tmp_path / "img.png"], 20)
    assert out.shape == (1, 20, 20, 3)


def test_unknown_bundled_image():
    with pytest.raises(ValueError, match="allowed"):
        datasets.natural_images(["lena"], 16)
