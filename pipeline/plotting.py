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
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette="colorblind",
        rc={
            "figure.dpi": 110,
            "savefig.dpi": 130,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.fontsize": 8,
        },
    )


def reference_power_law(ax, x, x0: float, y0: float, exponent: float, label: str | None = None, **kw) -> None:
    """Draw y = y0 * (x / x0) ** exponent as a dashed grey theory line on ``ax``."""
    x = np.asarray(x, dtype=float)
    kw = {"color": "0.3", "ls": "--", "lw": 1.2, **kw}
    ax.plot(x, y0 * (x / x0) ** exponent, label=label or f"$\\propto m^{{{exponent:g}}}$", **kw)


def figure(nrows: int = 1, ncols: int = 1, width: float = 5.0, height: float = 3.8, **kw):
    setup()
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kw)


def log_log(ax, xlabel: str, ylabel: str, title: str | None = None) -> None:
    """Log scales on both axes (power laws are straight lines), labels with units, optional title."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


def mean_band(ax, x, y, label: str | None = None, spread: str = "minmax", color=None, **kw):
    """Plot the mean over seeds of ``y`` (S, n) against ``x`` (n,) with a shaded spread.

    ``spread``: "minmax" (range over seeds) or "std" (mean +- one standard deviation, clipped at
    the smallest positive value so log axes stay valid). Non-finite values are left out (never
    plotted as NaN); columns with no finite value are skipped. Returns the line.
    """
    x = np.asarray(x, dtype=float)
    y = np.atleast_2d(np.asarray(y, dtype=float))
    ok = np.isfinite(y)
    keep = ok.any(axis=0) & np.isfinite(x)
    if not keep.any():
        raise ValueError(f"mean_band({label!r}): no finite values to plot")
    x, y, ok = x[keep], y[:, keep], ok[:, keep]
    ym = np.where(ok, y, 0.0)
    n = ok.sum(axis=0)
    mean = ym.sum(axis=0) / n
    if spread == "minmax":
        lo = np.where(ok, y, np.inf).min(axis=0)
        hi = np.where(ok, y, -np.inf).max(axis=0)
    elif spread == "std":
        sd = np.sqrt(np.where(ok, (y - mean) ** 2, 0.0).sum(axis=0) / np.maximum(n - 1, 1))
        pos = y[ok & (y > 0)]
        floor = pos.min() if pos.size else -np.inf
        lo, hi = np.maximum(mean - sd, floor), mean + sd
    else:
        raise ValueError(f"mean_band: spread must be 'minmax' or 'std', got {spread!r}")
    (line,) = ax.plot(x, mean, marker="o", ms=3.5, label=label, color=color, **kw)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    return line
