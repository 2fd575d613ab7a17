"""Stage 1: data sets -> results/data/*.npz (+ provenance sidecar)."""

from __future__ import annotations

import numpy as np

from .. import datasets, io, provenance
from ..progress import get_logger


def make_synthetic(
    name: str, section: dict, seed: int, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Generate the synthetic set ``name`` (circle | sphere | gaussian_product) into ``out``."""
    logger = get_logger(f"data.{name}", log)
    if name == "circle":
        arrays = datasets.circle(seed=seed, **section)
    elif name == "sphere":
        arrays = datasets.sphere(seed=seed, **section)
    elif name == "gaussian_product":
        arrays = datasets.gaussian_product(seed=seed, **section)
    else:
        raise ValueError(f"unknown synthetic data set {name!r}; allowed: circle, sphere, gaussian_product")
    io.save_npz(out, arrays, meta=provenance.metadata(section, dataset=name, seed=seed, full_config=config))
    logger.info(f"wrote {out}: " + ", ".join(f"{k}{tuple(v.shape)}" for k, v in arrays.items()))
    return arrays


def make_images(
    name: str, section: dict, seed: int, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Generate the image set ``name`` (natural | text) into ``out``.

    Arrays: images (n, r, r, 3) float32 in [0, 1], names (n,), and Tancik et al.'s split:
    x_train (P, 2), y_train (n, P, 3) on [::2, ::2]; x_test, y_test on [1::2, 1::2].
    """
    logger = get_logger(f"data.images_{name}", log)
    r = section["resolution"]
    if name == "natural":
        parts, names = [], []
        if section["natural"]:
            parts.append(datasets.natural_images(section["natural"], r))
            names += list(section["natural"])
        if section["files"]:
            parts.append(datasets.file_images(section["files"], r))
            names += list(section["files"])
        images = np.concatenate(parts) if parts else np.zeros((0, r, r, 3), np.float32)
    elif name == "text":
        images = datasets.text_images(section["text"], r, seed=seed, min_px=section["text_min_px"])
        names = [f"text{i}" for i in range(section["text"])]
    else:
        raise ValueError(f"unknown image set {name!r}; allowed: natural, text")
    x_train, y_train, x_test, y_test = datasets.split_image(images)
    arrays = {
        "images": images,
        "names": np.array(names, dtype=str),
        "x_train": x_train,
        "y_train": y_train,
        "x_test": x_test,
        "y_test": y_test,
    }
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(section, dataset=f"images_{name}", seed=seed, full_config=config),
    )
    logger.info(f"wrote {out}: {len(names)} images at {r}x{r} px: {names}")
    return arrays


# --- rule entries (workflow/scripts/*.py: run_rule(rule_<name>, snakemake)) ----------------------


def rule_synthetic(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``data_synthetic`` -> ``make_synthetic``."""
    make_synthetic(wildcards.dataset, params.section, params.seed, output.npz, log, config)


def rule_images(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``data_images`` -> ``make_images``."""
    make_images(wildcards.imageset, params.section, params.seed, output.npz, log, config)
