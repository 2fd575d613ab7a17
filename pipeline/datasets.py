"""Data sets (pure numpy, deterministic given the seed).

Conventions: inputs ``x`` are float64 arrays (N, d); scalar targets ``y`` are (N, 1).

- circle: N equally spaced points x = (cos g, sin g), g = 2 pi j / N, target
  y(g) = sum_k a_k cos(k g) (+ Gaussian noise on the training targets); the test grid is a denser
  equally spaced grid. On these points every rotation-invariant kernel is circulant and its
  eigenvectors are the harmonics cos(k g), sin(k g).
- sphere: N uniform random points on S^(d-1), target y = sum_k a_k cos(k * arccos(x . e_1))
  (zonal: depends only on the angle to the first axis).
- gaussian_product: Jacot et al. 2018's task f*(x) = x_1 x_2 on x ~ N(0, I_d).
- images: RGB float32 in [0, 1], square ``resolution`` px. Natural images come bundled with
  scikit-image (no download), text images are random letters rendered with Pillow's bundled font,
  and user files
  are read with Pillow. ``split_image`` gives Tancik et al.'s split: train grid [::2, ::2],
  test grid [1::2, 1::2], coordinates in [0, 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SKIMAGE_NATURAL = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "immunohistochemistry",
    "hubble_deep_field",
    "retina",
    "colorwheel",
    "cat",
)


def circle(n_train: int, n_test: int, harmonics, amplitudes=None, noise: float = 0.0, seed: int = 0):
    """Equally spaced circle points; targets sum_k a_k cos(k g). Returns a dict of arrays."""
    harmonics = np.asarray(harmonics, dtype=int)
    amps = np.ones(len(harmonics)) if amplitudes is None else np.asarray(amplitudes, dtype=float)
    if amps.shape != harmonics.shape:
        raise ValueError(f"amplitudes {amps.tolist()} must match harmonics {harmonics.tolist()}")

    def make(n):
        g = 2 * np.pi * np.arange(n) / n
        x = np.stack([np.cos(g), np.sin(g)], axis=1)
        y = (amps[None, :] * np.cos(np.outer(g, harmonics))).sum(1, keepdims=True)
        return g, x, y

    rng = np.random.default_rng(seed)
    g_train, x_train, y_train = make(n_train)
    y_train = y_train + noise * rng.standard_normal(y_train.shape)
    g_test, x_test, y_test = make(n_test)
    return {
        "gamma_train": g_train,
        "x_train": x_train,
        "y_train": y_train,
        "gamma_test": g_test,
        "x_test": x_test,
        "y_test": y_test,
        "harmonics": harmonics,
        "amplitudes": amps,
    }


def sphere(
    dim: int, n_train: int, n_test: int, harmonics, amplitudes=None, noise: float = 0.0, seed: int = 0
):
    """Uniform points on S^(dim-1) with a zonal target sum_k a_k cos(k * angle to e_1)."""
    harmonics = np.asarray(harmonics, dtype=int)
    amps = np.ones(len(harmonics)) if amplitudes is None else np.asarray(amplitudes, dtype=float)
    if amps.shape != harmonics.shape:
        raise ValueError(f"amplitudes {amps.tolist()} must match harmonics {harmonics.tolist()}")
    rng = np.random.default_rng(seed)

    def make(n):
        x = rng.standard_normal((n, dim))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        ang = np.arccos(np.clip(x[:, 0], -1, 1))
        return x, (amps[None, :] * np.cos(np.outer(ang, harmonics))).sum(1, keepdims=True)

    x_train, y_train = make(n_train)
    x_test, y_test = make(n_test)
    y_train = y_train + noise * rng.standard_normal(y_train.shape)
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
        "harmonics": harmonics,
        "amplitudes": amps,
    }


def gaussian_product(n_train: int, n_test: int, dim: int = 2, seed: int = 0):
    """Jacot et al.'s f*(x) = x_1 x_2 on x ~ N(0, I_dim)."""
    rng = np.random.default_rng(seed)
    x_train = rng.standard_normal((n_train, dim))
    x_test = rng.standard_normal((n_test, dim))
    return {
        "x_train": x_train,
        "y_train": (x_train[:, 0] * x_train[:, 1])[:, None],
        "x_test": x_test,
        "y_test": (x_test[:, 0] * x_test[:, 1])[:, None],
    }


def _square_resize(img: np.ndarray, resolution: int) -> np.ndarray:
    """Centre-crop to a square and resize to resolution x resolution RGB float32 in [0, 1]."""
    from PIL import Image

    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img[..., :3]
    h, w = img.shape[:2]
    s = min(h, w)
    img = img[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
    pil = Image.fromarray(np.asarray(img, dtype=np.uint8)).resize((resolution, resolution), Image.LANCZOS)
    return np.asarray(pil, dtype=np.float32) / 255.0


def natural_images(names, resolution: int) -> np.ndarray:
    """scikit-image's bundled photographs, (n, r, r, 3) float32 in [0, 1]."""
    from skimage import data

    out = []
    for name in names:
        if name not in SKIMAGE_NATURAL:
            raise ValueError(f"unknown bundled image {name!r}; allowed: {list(SKIMAGE_NATURAL)}")
        out.append(_square_resize(getattr(data, name)(), resolution))
    return np.stack(out)


def text_images(n: int, resolution: int, seed: int = 0, min_px: float = 24.0) -> np.ndarray:
    """Synthetic text images as in Tancik et al.'s text set: lines of random letters in random
    sizes and colours on a random light background, filling the image. (n, r, r, 3) in [0, 1].

    Font sizes (em height, px) are uniform in [max(0.06 r, min_px), max(0.2 r, 1.5 min_px)]: at
    512 px (paper scale) 31-102 px, at 64 px 24-36 px. The floor keeps glyph strokes a few pixels
    wide, i.e. resolvable on the [::2, ::2] training grid; thinner strokes fall between training
    pixels and no mapping can predict them. Rendered at 4x and downsampled with Lanczos
    (anti-aliased, as a renderer at that size would draw them) with Pillow's bundled font.
    """
    import string

    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    ss = 4
    big = resolution * ss
    lo, hi = max(0.06 * resolution, min_px), max(0.2 * resolution, 1.5 * min_px)
    letters = list(string.ascii_letters + "  ")
    out = []
    for _ in range(n):
        bg = tuple(int(v) for v in rng.integers(170, 256, 3))
        img = Image.new("RGB", (big, big), bg)
        draw = ImageDraw.Draw(img)
        y = rng.uniform(-0.05, 0.05) * big
        while y < big:
            size = rng.uniform(lo, hi) * ss
            font = ImageFont.load_default(size=int(size))
            colour = tuple(int(v) for v in rng.integers(0, 150, 3))
            line = "".join(rng.choice(letters, int(1.6 * big / size) + 2))
            draw.text((int(rng.uniform(-0.2, 0.05) * big), int(y)), line, fill=colour, font=font)
            y += size * rng.uniform(1.0, 1.4)
        img = img.resize((resolution, resolution), Image.LANCZOS)
        out.append(np.asarray(img, dtype=np.float32) / 255.0)
    return np.stack(out)


def file_images(paths, resolution: int) -> np.ndarray:
    """User-supplied image files (e.g. DIV2K), centre-cropped and resized; clear error if unreadable."""
    from PIL import Image, UnidentifiedImageError

    out = []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"data.images.files: image file {str(p)!r} does not exist")
        try:
            with Image.open(p) as im:
                arr = np.asarray(im.convert("RGB"))
        except (UnidentifiedImageError, OSError) as err:
            raise ValueError(f"data.images.files: cannot read image {str(p)!r} ({err})") from err
        out.append(_square_resize(arr, resolution))
    return np.stack(out)


def image_grid(resolution: int) -> np.ndarray:
    """Pixel coordinates in [0, 1): (r, r, 2), [..., 0] the row and [..., 1] the column."""
    t = np.arange(resolution) / resolution
    return np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1)


def split_image(images: np.ndarray):
    """Tancik et al.'s split of (n, r, r, 3) images: train [::2, ::2], test [1::2, 1::2].

    Returns x_train (P, 2), y_train (n, P, 3), x_test (P, 2), y_test (n, P, 3), P = (r/2)^2.
    """
    r = images.shape[1]
    grid = image_grid(r)
    tr, te = (slice(0, None, 2),) * 2, (slice(1, None, 2),) * 2
    n = images.shape[0]
    return (
        grid[tr].reshape(-1, 2),
        images[(slice(None),) + tr].reshape(n, -1, 3),
        grid[te].reshape(-1, 2),
        images[(slice(None),) + te].reshape(n, -1, 3),
    )
