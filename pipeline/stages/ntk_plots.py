"""Figures of the ntk stage (results/figures/ntk/): error vs width, kernel heat-maps."""

from __future__ import annotations

import numpy as np

from .. import io, plotting

LABELS = {"K": "$K$", "K_a": "$K^{(a)}$ (first layer)", "K_b": "$K^{(b)}$ (read-out)"}


def label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    return f"$K^{{({name.split('_', 1)[1]})}}$ (layer {name.split('_', 1)[1]})"


def error_vs_width(
    widths, errors: np.ndarray, names, exps, out: str, meta: dict | None = None, ci: float = 0.95
) -> None:
    """Relative Frobenius and spectral errors (mean and min-max over seeds) vs width, log-log,
    with the m^-1/2 line through the geometric mean of the full kernel's errors."""
    fig, axes = plotting.figure(1, 2, width=5.2, height=5.0, layout="constrained")
    widths = np.asarray(widths, dtype=float)
    for k, (norm, title) in enumerate((("frobenius", "Frobenius norm"), ("spectral", "spectral norm"))):
        ax = axes[0, k]
        for p, name in enumerate(names):
            fit = exps[(exps["part"] == name) & (exps["norm"] == norm)].iloc[0]
            plotting.mean_band(
                ax,
                widths,
                errors[:, :, p, k].T,
                label=f"{label(name)}: slope {fit.exponent:.3f} [{fit.ci_low:.3f}, {fit.ci_high:.3f}]",
                lw=2.2 if name == "K" else 1.4,
                ls="-" if name == "K" else ":",
            )
        full = errors[:, :, 0, k]
        plotting.reference_power_law(
            ax,
            widths,
            np.exp(np.log(widths).mean()),
            float(np.exp(np.log(full).mean())),
            -0.5,
            label="theory $\\propto m^{-1/2}$",
        )
        plotting.log_log(
            ax,
            "width $m$ (hidden units)",
            "relative error $\\|K_m - K_\\infty\\| / \\|K_\\infty\\|$",
            f"Empirical vs analytic NTK at init ({title})",
        )
        ax.legend(
            title=f"mean, min-max over {errors.shape[1]} seeds; slope [{ci:.0%} CI]",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            title_fontsize=8,
        )
    io.save_figure(fig, out, meta)


def kernel_heatmaps(ana: dict, kernels: dict, names, out: str, meta: dict | None = None) -> None:
    """Rows: each part and the full K; columns: empirical (seed 0) at the small and the large
    width, and the analytic limit. One colour scale per row."""
    small, large = sorted(kernels)
    limit = np.concatenate([ana["parts"].sum(0, keepdims=True), ana["parts"]], axis=0)
    order = list(range(1, len(names))) + [0]  # parts first, the full kernel last
    fig, axes = plotting.figure(len(order), 3, width=3.3, height=3.0, layout="constrained")
    if "gamma" in ana:
        extent, axis = (0, 2 * np.pi, 2 * np.pi, 0), "angle $\\gamma$ (rad)"
    else:
        n = limit.shape[-1]
        extent, axis = (-0.5, n - 0.5, n - 0.5, -0.5), "input index"
    titles = [
        f"empirical, m = {small} (seed 0)",
        f"empirical, m = {large} (seed 0)",
        "analytic limit ($m \\to \\infty$)",
    ]
    for row, p in enumerate(order):
        mats = [kernels[small][p], kernels[large][p], limit[p]]
        vmin = min(float(np.min(m)) for m in mats)
        vmax = max(float(np.max(m)) for m in mats)
        for col, mat in enumerate(mats):
            ax = axes[row, col]
            im = ax.imshow(
                mat, extent=extent, vmin=vmin, vmax=vmax, cmap=plotting.PALETTE, interpolation="nearest"
            )
            ax.grid(False)
            if row == 0:
                ax.set_title(titles[col])
            if row == len(order) - 1:
                ax.set_xlabel(axis.replace("gamma", "gamma'"))
            if col == 0:
                ax.set_ylabel(f"{label(names[p])}\n{axis}")
        fig.colorbar(im, ax=axes[row, :].tolist(), shrink=0.9, label=f"{label(names[p]).split(' ')[0]} value")
    fig.suptitle("NTK at initialisation on the inputs: narrow and wide nets vs the limit")
    io.save_figure(fig, out, meta)


def error_vs_width_depth(
    depths, widths, errors: np.ndarray, exps, hn: dict, c_theory: float, out: str, meta=None, ci: float = 0.95
) -> None:
    """Left: relative Frobenius error vs width, one line per depth (mean, min-max over seeds), with
    the m^-1/2 law. Right: ln(E[K(x,x)^2] / E[K(x,x)]^2) vs beta = L/m with Hanin & Nica's 5 beta
    and the fitted c beta."""
    fig, axes = plotting.figure(1, 2, width=5.2, height=4.6, layout="constrained")
    ax = axes[0, 0]
    widths_f = np.asarray(widths, dtype=float)
    colors = plotting.sns.color_palette("viridis", len(depths))
    for i, depth in enumerate(depths):
        fit = exps[exps["depth"] == depth].iloc[0]
        plotting.mean_band(
            ax,
            widths_f,
            errors[i].T,
            color=colors[i],
            label=f"depth {depth}: slope {fit.exponent:.3f} [{fit.ci_low:.3f}, {fit.ci_high:.3f}]",
        )
    plotting.reference_power_law(
        ax,
        widths_f,
        np.exp(np.log(widths_f).mean()),
        float(np.exp(np.log(errors).mean())),
        -0.5,
        label="theory $\\propto m^{-1/2}$",
    )
    plotting.log_log(
        ax,
        "width $m$ (hidden units per layer)",
        "relative error $\\|K_m - K_\\infty\\|_F / \\|K_\\infty\\|_F$",
        "Empirical vs analytic NTK at init, by depth",
    )
    ax.legend(title=f"depth (hidden layers); slope [{ci:.0%} CI]", fontsize=8, title_fontsize=8)

    ax = axes[0, 1]
    beta, lr = hn["beta"], hn["log_ratio"]
    for i, depth in enumerate(depths):
        ax.plot(beta[i], lr[i], "o", color=colors[i], label=f"depth {depth}")
    grid = np.linspace(0.0, float(beta.max()) * 1.05, 50)
    ax.plot(grid, c_theory * grid, "--", color="0.3", label=f"Hanin & Nica: {c_theory:g} $L/m$")
    ax.plot(
        grid,
        hn["c"] * grid,
        "-",
        color="C3",
        label=f"fit: {hn['c']:.2f} $L/m$ [{hn['ci_low']:.2f}, {hn['ci_high']:.2f}]",
    )
    ax.set_xlabel("$\\beta = L / m$ (depth / width)")
    ax.set_ylabel("$\\ln(E[K(x,x)^2] / E[K(x,x)]^2)$ over seeds")
    ax.set_title("Fluctuations of the NTK grow with depth / width")
    ax.legend(fontsize=8)
    io.save_figure(fig, out, meta)
