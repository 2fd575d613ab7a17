"""Figures of the convergence stage (category "Convergence and spectral bias").

All take the per-(arch, width) curve arrays written by ``convergence.fit_width`` (dict keyed by
(arch, width)), the per-arch analytic kernel files, and write one PNG through ``io.save_figure``.
Nothing NaN or non-positive is drawn on a log axis.
"""

from __future__ import annotations

import numpy as np

from .. import io, plotting

LINTHRESH = 10  # steps: the step axis is linear below this, logarithmic above (symlog)


def _widths(runs, arch):
    return sorted(w for a, w in runs if a == arch)


def _width_colors(widths):
    import matplotlib as mpl

    cmap = mpl.colormaps[plotting.PALETTE]
    n = len(widths)
    return {w: cmap(0.1 + 0.8 * i / max(n - 1, 1)) for i, w in enumerate(widths)}


def _step_axis(ax, steps):
    ax.set_xscale("symlog", linthresh=LINTHRESH)
    ax.set_xlim(0, steps[-1] * 1.1)
    ax.set_xlabel(f"GD step t (linear below {LINTHRESH}, log above)")


def rate_error(df, section: dict, path: str, meta: dict) -> None:
    """Relative rate error vs lambda_i / ||K_T - K_0||_2 (K0 eigenspaces, all widths), log-log."""
    import seaborn as sns
    from matplotlib.colors import LogNorm

    sub = df[df.kernel == "K0"].copy()
    # ||u_0|| per run: the eigenspaces partition R^N, so it is the root sum of squares of r0
    u0 = np.sqrt((sub.r0**2).groupby([sub.arch, sub.width, sub.seed]).transform("sum"))
    # components present in u_0 (>= harmonic_present ||u_0||): a smaller one mostly shows the leakage
    # into it from the others, not its own decay (all rows are in the table)
    sub = sub[(sub.status == "ok") & (sub.r0 >= section["harmonic_present"] * u0)]
    sub = sub[
        np.isfinite(sub.rel_error)
        & (sub.rel_error > 0)
        & np.isfinite(sub.lambda_over_dK)
        & (sub.lambda_over_dK > 0)
    ]
    fig, axes = plotting.figure(1, 1, width=6.4, height=4.6)
    ax = axes[0, 0]
    if len(sub):
        sns.scatterplot(
            data=sub,
            x="lambda_over_dK",
            y="rel_error",
            hue="width",
            style="arch",
            palette=plotting.PALETTE,
            hue_norm=LogNorm(),
            ax=ax,
            s=28,
            alpha=0.85,
            edgecolor="none",
        )
        x = np.geomspace(sub.lambda_over_dK.min(), sub.lambda_over_dK.max(), 50)
        plotting.reference_power_law(ax, x, 1.0, 1.0, -1.0, label=r"Weyl bound $\|\Delta K\|_2/\lambda_i$")
    ax.axvline(
        section["agreement_ratio"],
        color="0.5",
        lw=1,
        ls=":",
        label=rf"$\lambda_i = {section['agreement_ratio']:g}\,\|\Delta K\|_2$",
    )
    ax.axhline(
        section["agreement_rtol"],
        color="tab:red",
        lw=1,
        ls=":",
        label=f"tolerance {section['agreement_rtol']:.0%}",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\lambda_i\,/\,\|K_T - K_0\|_2$ (eigenvalue of $K(w_0)$ over kernel drift)")
    ax.set_ylabel(r"relative rate error $|\hat r_i - r_i| / r_i$")
    ax.set_title(
        "Measured vs predicted decay rate per eigenspace of $K(w_0)$\n"
        r"$r_i = -\ln(1 - \eta\lambda_i)$ per step; all widths and seeds, "
        rf"$\|P_i u_0\| \geq {section['harmonic_present']:g}\,\|u_0\|$"
    )
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    io.save_figure(fig, path, meta)


def spectral_bias(curves: dict, kinf: dict, archs, runs, section: dict, path: str, meta: dict) -> None:
    """Residual per harmonic k vs step (widest width, first seed) with the theory lines
    r_k(0) |1 - eta lambda_k^inf|^t (dashed) and the linear theory with the run's own K(w0) (dotted);
    one panel per arch on circle points."""
    import seaborn as sns

    circle = [a for a in archs if kinf[a]["spectrum"].size]
    fig, axes = plotting.figure(1, max(len(circle), 1), width=5.4, height=4.2)
    palette = sns.color_palette("colorblind", 10)
    for ax, a in zip(axes[0], circle):
        w = _widths(runs, a)[-1]
        c = curves[(a, w)]
        steps, hr, hp = c["steps"], c["harm_r"][0], c["harm_pred_inf"][0]
        lam = c["spectrum_inf"]
        r0 = hr[0]
        ks = [k for k in np.argsort(-r0) if r0[k] >= section["harmonic_present"] * np.linalg.norm(r0)][:8]
        floor = 1e-4 * r0.max()
        for k in sorted(ks):
            col = palette[k % len(palette)]  # the same colour for harmonic k in every panel
            lam_txt = "0" if abs(lam[k]) < section["odd_zero_rtol"] * lam.max() else f"{lam[k]:.3g}"
            keep = hr[:, k] > floor
            ax.plot(
                steps[keep], hr[keep, k], color=col, lw=1.8, label=rf"$k={k}$, $\lambda_k^\infty$={lam_txt}"
            )
            keep = hp[:, k] > floor
            ax.plot(steps[keep], hp[keep, k], color=col, lw=1.2, ls="--")
            if "harm_pred_K0" in c:  # the linear theory with this run's own K(w0): where they part
                h0 = c["harm_pred_K0"][0]
                keep = h0[:, k] > floor
                ax.plot(steps[keep], h0[keep, k], color=col, lw=1.0, ls=":")
        ax.plot([], [], color="0.3", ls="--", label=r"theory $r_k(0)\,|1-\eta\lambda_k^\infty|^t$")
        if "harm_pred_K0" in c:
            ax.plot([], [], color="0.3", ls=":", label=r"theory with this run's $K(w_0)$")
        _step_axis(ax, steps)
        ax.set_yscale("log")
        ax.set_ylim(floor, r0.max() * 2)
        if ax is axes[0, 0]:
            ax.set_ylabel(r"residual in harmonic $k$: $\|P_k (f_t - y)\|$")
        ax.set_title(f"{a}, width {w}, seed {int(c['seeds'][0])}: spectral bias")
        ax.legend(fontsize=7, loc="lower left")
    io.save_figure(fig, path, meta)


def spectrum(
    curves: dict, kinf: dict, fields: dict, archs, runs, section: dict, path: str, meta: dict
) -> None:
    """NTK eigenvalue per harmonic k: analytic (K_inf) and empirical (K(w0), widest width, mean and
    range over seeds) for each arch; exact zeros drawn as triangles on the floor line."""
    import seaborn as sns

    circle = [a for a in archs if kinf[a]["spectrum"].size]
    fig, axes = plotting.figure(1, 1, width=6.6, height=4.6)
    ax = axes[0, 0]
    palette = sns.color_palette("colorblind", 10)
    lam_max = max((kinf[a]["spectrum"].max() for a in circle), default=1.0)
    floor = section["odd_zero_rtol"] * lam_max
    zero_label = True
    for i, a in enumerate(circle):
        col = palette[i % len(palette)]
        lam = kinf[a]["spectrum"]
        k = np.arange(lam.size)
        b = fields[a]["b_std"]
        name = f"{a} (b_std = {b})" if b is not None else f"{a} (no bias)"
        nz = lam >= floor
        ax.plot(k[nz], lam[nz], "-o", color=col, ms=3.5, lw=1.2, label=f"{name}: analytic $K_\\infty$")
        w = _widths(runs, a)[-1]
        emp = curves[(a, w)].get("spectrum_K0")
        if emp is not None:
            mean, lo, hi = emp.mean(0), emp.min(0), emp.max(0)
            ok = lo >= floor
            ax.errorbar(
                k[ok],
                mean[ok],
                yerr=[mean[ok] - lo[ok], hi[ok] - mean[ok]],
                fmt="x",
                color=col,
                ms=6,
                lw=1,
                capsize=2,
                label=f"{name}: empirical $K(w_0)$, width {w}",
            )
            zero_emp = ~ok
        else:
            zero_emp = np.zeros_like(nz)
        zero = ~nz | zero_emp
        if zero.any():
            ax.plot(
                k[zero],
                np.full(zero.sum(), floor),
                "v",
                color=col,
                ms=6,
                ls="none",
                label=(
                    f"$\\lambda_k < {section['odd_zero_rtol']:g}\\,\\lambda_{{max}}$ (zero), "
                    "drawn on the floor"
                    if zero_label
                    else None
                ),
            )
            zero_label = False
    ax.axhline(floor, color="0.6", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("harmonic k (frequency on the circle)")
    ax.set_ylabel(r"NTK eigenvalue $\lambda_k$ (pair $\cos k\gamma$, $\sin k\gamma$)")
    ax.set_title("NTK spectrum on the circle: odd $k \\geq 3$ vanish without bias")
    ax.legend(fontsize=7, loc="upper right")
    io.save_figure(fig, path, meta)


def loss_curves(curves: dict, archs, runs, path: str, meta: dict) -> None:
    """Measured train loss vs the linear prediction from K(w0)'s eigenpairs, per width (first seed);
    the K_inf prediction for the widest width dotted."""
    fig, axes = plotting.figure(1, len(archs), width=5.4, height=4.2)
    for ax, a in zip(axes[0], archs):
        widths = _widths(runs, a)
        cols = _width_colors(widths)
        lo = np.inf
        for w in widths:
            c = curves[(a, w)]
            steps, L, P = c["steps"], c["loss"][0], c["loss_pred_K0"][0]
            ok, okp = L > 0, P > 0
            ax.plot(steps[ok], L[ok], color=cols[w], lw=1.8, label=f"width {w}: measured")
            ax.plot(
                steps[okp], P[okp], color="0.1", lw=0.9, ls="--", zorder=3
            )  # on top of the measured curve
            lo = min(lo, L[ok].min(initial=np.inf), P[okp].min(initial=np.inf))
        c = curves[(a, widths[-1])]
        P = c["loss_pred_Kinf"][0]
        ax.plot(
            c["steps"][P > 0],
            P[P > 0],
            color="k",
            lw=1,
            ls=":",
            label=rf"$K_\infty$ prediction, width {widths[-1]}",
        )
        ax.plot(
            [],
            [],
            color="0.1",
            lw=0.9,
            ls="--",
            label=r"$K(w_0)$ prediction $\frac{1}{2}\sum_i(1-\eta\lambda_i)^{2t}\langle u_0,v_i\rangle^2$",
        )
        _step_axis(ax, c["steps"])
        ax.set_yscale("log")
        ax.set_ylim(bottom=max(lo * 0.5, 1e-8 * c["loss"][0, 0]))
        if ax is axes[0, 0]:
            ax.set_ylabel(r"train loss $L_t = \frac{1}{2}\sum_i (f_t(x_i) - y_i)^2$")
        ax.set_title(f"{a}: measured vs predicted loss (seed {int(c['seeds'][0])})")
        ax.legend(fontsize=6.5, loc="lower left")
    io.save_figure(fig, path, meta)
