"""Stage 1 figure: what the data sets look like (results/figures/data/datasets.png).

Top row: the three synthetic regression tasks (circle, sphere, Jacot et al.'s x1*x2); bottom rows:
the images of each image set, with the training grid [::2, ::2] they are fitted on. Reads the
stage's .npz files only (no recomputation).
"""

from __future__ import annotations

import numpy as np

from .. import io, plotting, provenance
from ..progress import get_logger


def _terms(harmonics, amplitudes, var: str = "g") -> str:
    """'sum_k cos(k g), k = 1, 2, 4' (unit amplitudes) or '0.5 cos(1 g) + 2 cos(3 g)'."""
    if np.all(np.asarray(amplitudes) == 1):
        return f"Σ cos(k{var}), k = " + ", ".join(str(int(k)) for k in harmonics)
    return " + ".join(f"{a:g} cos({int(k)}{var})" for k, a in zip(harmonics, amplitudes))


def overview(
    synthetic: dict[str, str],
    images: dict[str, str],
    out: str,
    log: str | None = None,
    max_images: int = 4,
    section: dict | None = None,
    config: dict | None = None,
) -> None:
    """Plot the data sets. ``synthetic``: name -> .npz (circle, sphere, gaussian_product, any
    subset); ``images``: image-set name -> .npz; ``section``: config["data"] (its hash goes into the
    PNG). Writes one PNG to ``out``."""
    import matplotlib.pyplot as plt

    logger = get_logger("data.overview", log)
    sets = {k: io.load_npz(v) for k, v in synthetic.items()}
    imgs = {k: io.load_npz(v, required=("images", "names")) for k, v in images.items()}
    img_rows = [k for k, d in imgs.items() if len(d["images"])]
    n_cols = max(3, min(max_images, max((len(imgs[k]["images"]) for k in img_rows), default=0)))
    plotting.setup()
    fig = plt.figure(figsize=(4.2 * n_cols, 3.6 * (1 + len(img_rows))), constrained_layout=True)
    grid = fig.add_gridspec(1 + len(img_rows), n_cols)

    panels = [fig.add_subplot(grid[0, j]) for j in range(3)]
    if "circle" in sets:
        d, ax = sets["circle"], panels[0]
        ax.plot(
            d["gamma_test"],
            d["y_test"][:, 0],
            color="0.6",
            lw=1,
            label=f"target ({len(d['x_test'])} test pts)",
        )
        ax.plot(d["gamma_train"], d["y_train"][:, 0], "o", ms=3, label=f"{len(d['x_train'])} training points")
        ax.set(
            xlabel="angle g on the unit circle (rad)",
            ylabel="target y",
            title="circle: y = " + _terms(d["harmonics"], d["amplitudes"]),
        )
        ax.legend(loc="upper right")
    if "sphere" in sets:
        d, ax = sets["sphere"], panels[1]
        dim = d["x_train"].shape[1]
        for part, style in (("test", dict(s=5, color="0.6")), ("train", dict(s=10))):
            x, y = d[f"x_{part}"], d[f"y_{part}"][:, 0]
            ax.scatter(np.arccos(np.clip(x[:, 0], -1, 1)), y, label=f"{len(x)} {part} pts", **style)
        ax.set(
            xlabel="angle to e_1 (rad)",
            ylabel="target y",
            title=f"sphere S^{dim - 1}: y = " + _terms(d["harmonics"], d["amplitudes"], "θ"),
        )
        ax.legend(loc="upper right")
    if "gaussian_product" in sets:
        d, ax = sets["gaussian_product"], panels[2]
        x, y = d["x_train"], d["y_train"][:, 0]
        lim = float(np.abs(y).max())
        sc = ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", vmin=-lim, vmax=lim, s=14)
        fig.colorbar(sc, ax=ax, label="target y = x1 x2")
        ax.set(
            xlabel="x1",
            ylabel="x2",
            aspect="equal",
            title=f"Jacot et al.: x ~ N(0, I), {len(x)} training pts",
        )
    for key, ax in zip(("circle", "sphere", "gaussian_product"), panels):
        if key not in sets:
            ax.set_axis_off()

    for row, name in enumerate(img_rows, start=1):
        d = imgs[name]
        for j in range(n_cols):
            ax = fig.add_subplot(grid[row, j])
            ax.set_axis_off()
            if j >= min(len(d["images"]), max_images):
                continue
            im = d["images"][j]
            r = im.shape[0]
            ax.imshow(im, interpolation="nearest", extent=(0, r, r, 0))
            ax.set_title(f"{name}: {d['names'][j]} ({r}x{r} px)")
            if j == 0:
                # the training pixels of one corner, to show the [::2, ::2] grid
                k = max(r // 8, 2)
                yy, xx = np.mgrid[0:k:2, 0:k:2]
                ax.plot(
                    xx.ravel() + 0.5,
                    yy.ravel() + 0.5,
                    "s",
                    ms=2,
                    mfc="none",
                    mec="red",
                    mew=0.6,
                    label="training pixels [::2, ::2]",
                )
                ax.legend(loc="lower left", fontsize=7, framealpha=0.8)
    fig.suptitle("Data sets of this run (results/data/*.npz)")
    meta = provenance.metadata(section, stage="data", full_config=config)
    io.save_figure(fig, out, meta=meta)  # closes the figure
    logger.info(f"wrote {out}: {sorted(sets)} + image sets {img_rows}")


# --- rule entries (workflow/scripts/*.py: run_rule(rule_<name>, snakemake)) ----------------------


def rule_figure(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``data_figure`` -> ``overview``."""
    overview(
        {p.rsplit("/", 1)[-1][: -len(".npz")]: p for p in input.synthetic},  # data/<name>.npz
        {p.rsplit("/", 1)[-1][len("images_") : -len(".npz")]: p for p in input.images},  # images_<set>
        output.fig,
        log,
        section=params.section,
        config=config,
    )
