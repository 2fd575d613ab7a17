"""One figure style for the whole pipeline (seaborn), and small shared helpers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = "viridis"


def setup() -> None:
    """Apply the pipeline's seaborn theme (call once per process before plotting)."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind",
                  rc={"figure.dpi": 110, "savefig.dpi": 130, "axes.titlesize": 11,
                      "axes.labelsize": 10, "legend.fontsize": 8})


def reference_power_law(ax, x, x0: float, y0: float, exponent: float, label: str | None = None,
                        **kw) -> None:
    """Draw y = y0 * (x / x0) ** exponent as a dashed grey theory line on ``ax``."""
    x = np.asarray(x, dtype=float)
    kw = {"color": "0.3", "ls": "--", "lw": 1.2, **kw}
    ax.plot(x, y0 * (x / x0) ** exponent, label=label or f"$\\propto m^{{{exponent:g}}}$", **kw)


def figure(nrows: int = 1, ncols: int = 1, width: float = 5.0, height: float = 3.8, **kw):
    setup()
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kw)
