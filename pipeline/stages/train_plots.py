"""Figures of the train stage (lazy training). Diverged runs are never plotted (no NaN in a figure)."""

from __future__ import annotations

import numpy as np

from .. import io, plotting

LABELS = {
    "w_rel_T": r"$\|w_T - w_0\| \,/\, \|w_0\|$",
    "k_drift_fro_T": r"$\|K_T - K_0\|_F \,/\, \|K_0\|_F$",
    "k_drift_op_T": r"$\|K_T - K_0\|_2$ (absolute)",
    "lin_gap_T": r"$\|f_T - f_T^{lin}\| \,/\, \|f_T\|$ (test inputs)",
}
TITLES = {
    "w_rel_T": "relative weight change",
    "k_drift_fro_T": "relative NTK change",
    "k_drift_op_T": "NTK change, spectral norm",
    "lin_gap_T": "real vs linearised network",
}


def _ok(arr) -> np.ndarray:
    return ~np.asarray(arr["diverged"], bool)


def lazy_vs_width(df, exps, check_arch: str, out, meta) -> None:
    """2 x 2 log-log panels: w_rel_T, k_drift_fro_T, k_drift_op_T, lin_gap_T vs width per arch; seeds
    as dots, mean with min-max band, fitted exponent (legend) and the m^-1/2 reference line."""
    fig, axes = plotting.figure(2, 2, width=5.2, height=3.9)
    d = df[~df["diverged"].astype(bool)]
    archs = list(dict.fromkeys(df["arch"]))
    colors = dict(zip(archs, plotting.sns.color_palette("colorblind", len(archs))))
    for ax, q in zip(axes.ravel(), ("w_rel_T", "k_drift_fro_T", "k_drift_op_T", "lin_gap_T")):
        for arch in archs:
            g = d[(d["arch"] == arch) & np.isfinite(d[q]) & (d[q] > 0)]
            if g.empty:
                continue
            widths = np.sort(g["width"].unique())
            piv = g.pivot_table(index="seed", columns="width", values=q).reindex(columns=widths).to_numpy()
            e = exps[(exps["arch"] == arch) & (exps["quantity"] == q)]
            lab = arch
            if len(e) and np.isfinite(e["exponent"].iloc[0]):
                r = e.iloc[0]
                ci = f" [{r['ci_low']:.2f}, {r['ci_high']:.2f}]" if np.isfinite(r["ci_low"]) else ""
                lab += f": slope {r['exponent']:.3f}{ci}"
            ax.scatter(g["width"], g[q], s=9, alpha=0.45, color=colors[arch], lw=0)
            plotting.mean_band(ax, widths, piv, label=lab, color=colors[arch])
            if arch == check_arch:
                y0 = np.nanmean(piv[:, 0])
                plotting.reference_power_law(
                    ax, widths, widths[0], y0, -0.5, label=r"$\propto m^{-1/2}$ (theory)"
                )
                if q.startswith("k_drift"):  # the kernel's leading change is O(1/m) (Dyer & Gur-Ari 2019)
                    plotting.reference_power_law(
                        ax, widths, widths[0], y0, -1.0, ls=":", label=r"$\propto m^{-1}$"
                    )
        plotting.log_log(ax, "hidden width m", LABELS[q], TITLES[q])
        _width_ticks(ax, df["width"])
        ax.legend(loc="best")
    fig.suptitle("Lazy training: what moves during gradient descent, against width (after the last step T)")
    fig.tight_layout()
    io.save_figure(fig, out, meta)


def _width_ticks(ax, widths) -> None:
    """Major ticks at the widths of the sweep, labelled as integers (no crowded minor labels)."""
    from matplotlib.ticker import NullLocator

    w = np.sort(np.unique(np.asarray(widths, int)))
    ax.set_xticks(w)
    ax.set_xticklabels([str(v) for v in w], rotation=30 if w.size > 5 else 0)
    ax.xaxis.set_minor_locator(NullLocator())


def _pick_widths(arrays, arch):
    widths = sorted(w for a, w in arrays if a == arch and _ok(arrays[(a, w)]).any())
    if not widths:
        raise ValueError(f"no non-diverged run of arch {arch!r} to plot")
    return widths[0], widths[-1]


def _first_seed(arr) -> int:
    return int(np.flatnonzero(_ok(arr))[0])


def weights_heatmap(arrays, arch: str, out, meta) -> None:
    """First-layer weights of the first hidden units at t = 0, t = T and their change, narrow vs wide."""
    narrow, wide = _pick_widths(arrays, arch)
    fig, axes = plotting.figure(2, 3, width=4.6, height=2.3)
    picks = [(narrow, arrays[(arch, narrow)]), (wide, arrays[(arch, wide)])]
    w_lim = max(np.abs(a["w_first_0"][_first_seed(a)]).max() for _, a in picks)
    d_lim = max(
        np.abs(a["w_first_T"][_first_seed(a)] - a["w_first_0"][_first_seed(a)]).max() for _, a in picks
    )
    for row, (width, a) in enumerate(picks):
        s = _first_seed(a)
        w0, wT = a["w_first_0"][s], a["w_first_T"][s]
        rel = np.linalg.norm(wT - w0) / np.linalg.norm(w0)
        for col, (img, title, lim, cmap) in enumerate(
            [
                (w0, "$W_0$", w_lim, "vlag"),
                (wT, "$W_T$", w_lim, "vlag"),
                (wT - w0, "$W_T - W_0$", d_lim, "PiYG"),
            ]
        ):
            ax = axes[row, col]
            im = ax.imshow(img, aspect="auto", cmap=cmap, vmin=-lim, vmax=lim, interpolation="nearest")
            ax.set_title(f"width {width}: {title}" + (f"  (rel. change {rel:.3g})" if col == 2 else ""))
            ax.set_xlabel(f"hidden unit (first {img.shape[1]})")
            ax.set_ylabel("input coordinate")
            ax.set_yticks(range(img.shape[0]))
            ax.grid(False)
            fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    fig.suptitle(
        f"First-layer weights of {arch} (seed {int(picks[0][1]['seeds'][_first_seed(picks[0][1])])}): "
        "a wide net barely moves its weights (lazy training)"
    )
    fig.tight_layout()
    io.save_figure(fig, out, meta)


def loss_curves(arrays, out, meta) -> None:
    """Train loss vs step per width (mean over seeds, min-max band) with the linearised model's loss
    (dashed), one panel per arch."""
    archs = list(dict.fromkeys(a for a, _ in arrays))
    fig, axes = plotting.figure(1, len(archs), width=5.4, height=4.0)
    for ax, arch in zip(axes[0], archs):
        widths = sorted(w for a, w in arrays if a == arch)
        cols = plotting.sns.color_palette(plotting.PALETTE, len(widths))
        for c, w in zip(cols, widths):
            a = arrays[(arch, w)]
            ok = _ok(a)
            if not ok.any():
                continue
            t = a["steps"] + 1
            loss = a["loss"][ok]
            ax.plot(t, loss.mean(0), color=c, lw=1.6, label=f"m = {w}")
            ax.fill_between(t, loss.min(0), loss.max(0), color=c, alpha=0.2, lw=0)
            lin = 0.5 * ((a["f_lin_train"][ok] - a["y_train"].reshape(1, 1, -1)) ** 2).sum(-1)
            ax.plot(t, lin.mean(0), ls="--", lw=1.0, color=c)
        ax.plot([], [], ls="--", color="0.3", label="linearised model")
        plotting.log_log(ax, "GD step t + 1", r"train loss $\frac{1}{2}\sum_i (f(x_i) - y_i)^2$", arch)
        ax.legend(loc="lower left", ncol=1)
    fig.suptitle("Training loss by width (mean over seeds, band: min-max)")
    fig.tight_layout()
    io.save_figure(fig, out, meta)


def _test_axis(a):
    """x-axis for test outputs: the angle on the circle if the inputs lie on it, else the rank of y."""
    x = a["x_test"]
    r = np.linalg.norm(x, axis=1)
    if x.shape[1] == 2 and np.allclose(r, 1.0, atol=1e-6):
        g = np.arctan2(x[:, 1], x[:, 0]) % (2 * np.pi)
        return g, np.argsort(g), r"input angle $\gamma$ (rad), $x = (\cos\gamma, \sin\gamma)$"
    order = np.argsort(a["y_test"])
    return np.arange(len(order)), order, "test input (sorted by target)"


def linearized_outputs(arrays, arch: str, out, meta) -> None:
    """Real network f_T vs the linearised model f_T^lin on the test inputs, narrow and wide (seed 0)."""
    narrow, wide = _pick_widths(arrays, arch)
    fig, axes = plotting.figure(2, 2, width=5.4, height=3.0, sharex="col")
    for col, width in enumerate((narrow, wide)):
        a = arrays[(arch, width)]
        s = _first_seed(a)
        xs, order, xlabel = _test_axis(a)
        xs = xs[order]
        ax = axes[0, col]
        ax.plot(xs, a["y_test"][order], color="0.2", lw=2.2, alpha=0.35, label="target y")
        ax.plot(xs, a["f_test"][s, 0][order], color="0.55", lw=0.9, ls=":", label="$f_0$ (init)")
        ax.plot(xs, a["f_test"][s, -1][order], color="C0", lw=1.4, label="$f_T$ network")
        ax.plot(
            xs, a["f_lin_test"][s, -1][order], color="C3", lw=1.2, ls="--", label=r"$f_T^{lin}$ linearised"
        )
        gap = np.linalg.norm(a["f_test"][s, -1] - a["f_lin_test"][s, -1]) / np.linalg.norm(a["f_test"][s, -1])
        ax.set_title(f"{arch}, width {width}, seed {int(a['seeds'][s])}: gap {gap:.3g}")
        ax.set_ylabel("output f(x)")
        ax.legend(loc="best", ncol=2)
        ax = axes[1, col]
        ax.plot(xs, (a["f_test"][s, -1] - a["f_lin_test"][s, -1])[order], color="C2", lw=1.2)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(r"$f_T - f_T^{lin}$")
    fig.suptitle(
        f"Network vs its linearisation at the last step T = {int(arrays[(arch, narrow)]['steps'][-1])} "
        "(same init, same GD)"
    )
    fig.tight_layout()
    io.save_figure(fig, out, meta)


def jacot_fig1(runs, gamma, theta_inf, jac: dict, out, meta) -> None:
    """Jacot et al. 2018 Fig. 1: Theta(x0, x(gamma)) of every init at t = 0 (solid) and after the GD
    steps (dashed) per width, the analytic limit in black; right: the change Theta_T - Theta_0."""
    fig, axes = plotting.figure(1, 2, width=6.0, height=4.3)
    runs = sorted(runs, key=lambda r: int(r["width"]))
    cols = plotting.sns.color_palette("colorblind", len(runs))
    T = jac["steps"]
    ax = axes[0, 0]
    for c, r in zip(cols, runs):
        ok = ~np.asarray(r["diverged"], bool)
        w = int(r["width"])
        for i, (t0, tT) in enumerate(zip(r["theta_0"][ok], r["theta_T"][ok])):
            ax.plot(gamma, t0, color=c, lw=0.8, alpha=0.8, label=f"n = {w}, t = 0" if i == 0 else None)
            ax.plot(
                gamma, tT, color=c, lw=0.8, ls="--", alpha=0.8, label=f"n = {w}, t = {T}" if i == 0 else None
            )
        axes[0, 1].plot(gamma, (r["theta_T"][ok] - r["theta_0"][ok]).T, color=c, lw=0.8, alpha=0.8)
        axes[0, 1].plot([], [], color=c, label=f"n = {w}")
    ax.plot(gamma, theta_inf, color="k", lw=2.0, label=r"$n \to \infty$ (analytic)")
    ax.set_xlabel(r"$\gamma$ (rad): $x = (\cos\gamma, \sin\gamma)$")
    ax.set_ylabel(r"$\Theta^{(4)}(x_0, x)$, $x_0 = (1, 0)$")
    ax.set_title(
        f"NTK of a depth-4 ReLU net (3 hidden layers), {int(np.sum(~runs[0]['diverged']))} inits per width"
    )
    ax.set_xlim(-np.pi, np.pi)
    ax.legend(loc="upper right")
    ax = axes[0, 1]
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel(r"$\gamma$ (rad)")
    ax.set_ylabel(rf"$\Theta_{{t={T}}}(x_0, x) - \Theta_0(x_0, x)$")
    ax.set_title(f"kernel change during {T} GD steps (per init)")
    ax.set_xlim(-np.pi, np.pi)
    ax.legend(loc="upper right")
    fig.suptitle(
        f"Jacot et al. 2018, Fig. 1: beta = {jac['b_std']}, lr {jac['lr']} on the "
        f"{'1/(2N)' if jac['loss'] == 'mean' else '1/2'}-sum loss, target $x_1 x_2$ on Gaussian inputs"
    )
    fig.tight_layout()
    io.save_figure(fig, out, meta)
