"""Figures of the realdata stage (results/figures/realdata/): kernel PCA of the NTK on digits, the GD
path in function space (Jacot et al. 2018 Fig. 3), and NTK regression vs nets vs baselines."""

from __future__ import annotations

import numpy as np

from .. import io, plotting


def kernel_pca_figure(p: dict, eig, out: str, meta: dict | None = None) -> None:
    """(a) the spectrum of K/N with the paper's MNIST values; (b) the batch in (f^(2), f^(3));
    (c) the batch in (f^(1), f^(2)); points coloured by digit."""
    fig, axes = plotting.figure(1, 3, width=4.4, height=4.0, layout="constrained")
    lam = np.asarray(eig["eigenvalue"])
    ax = axes[0, 0]
    k = np.arange(1, len(lam) + 1)
    ax.semilogy(k, lam, "o-", ms=4, label="digits, analytic NTK / N")
    ax.semilogy(
        [1, 2, 3],
        eig["paper_mnist"][:3],
        "s",
        color="0.3",
        ms=6,
        mfc="none",
        label="Jacot et al. (MNIST, width 10000)",
    )
    # the first three eigenvalues in one text box (annotations next to the points overprint when
    # lambda_2 and lambda_3 are close)
    text = "\n".join(f"$\\lambda_{i + 1}$ = {lam[i]:.4g}" for i in range(min(3, len(lam))))
    if len(lam) >= 3:
        text += f"\n$\\lambda_3 / \\lambda_2$ = {lam[2] / lam[1]:.3f} (MNIST: 0.72)"
    ax.text(0.97, 0.62, text, transform=ax.transAxes, ha="right", va="top", fontsize=8)
    ax.set_xlabel("component i")
    ax.set_ylabel("eigenvalue $\\lambda_i$ of $K/N$")
    ax.set_title("Non-centred kernel PCA (1/N normalisation)")
    ax.legend(loc="upper right")
    comps, labels = p["components"], p["labels"]
    for ax, (i, j) in zip(axes[0, 1:], ((1, 2), (0, 1))):
        sc = ax.scatter(comps[:, i], comps[:, j], c=labels, cmap="tab10", s=10, vmin=-0.5, vmax=9.5)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(f"$f^{{({i + 1})}}(x)$")
        ax.set_ylabel(f"$f^{{({j + 1})}}(x)$")
        ax.set_title(f"N = {len(labels)} digits in $(f^{{({i + 1})}}, f^{{({j + 1})}})$")
    fig.colorbar(sc, ax=axes[0, 1:].tolist(), ticks=range(10), label="digit", shrink=0.85)
    io.save_figure(fig, out, meta)


def function_path_figure(
    runs: list[dict], lam2: float, table, cks, out: str, meta: dict | None = None
) -> None:
    """(a) ||g_t|| per width and trial with the discrete-GD limit a (1 - lambda_2)^t; (b) ||h_t||
    (solid: net, dotted: its linearisation); (c) max_t ||h_t|| (net, linearised) and max_t ||f_t -
    f_t^lin|| against width, log-log, with m^-1/2. ``cks``: (pc_straight_line, pc_training_deviation,
    pc_decay_rate)."""
    fig, axes = plotting.figure(1, 3, width=4.6, height=4.0, layout="constrained")
    import seaborn as sns

    colors = sns.color_palette("viridis", len(runs))
    a = float(runs[0]["amplitude"])
    t_fine = np.linspace(0, float(runs[0]["t"][-1]), 200)
    for r, col in zip(runs, colors):
        for s in range(r["g"].shape[0]):
            lab = f"m = {int(r['width'])}" if s == 0 else None
            axes[0, 0].plot(r["t"], r["g"][s], color=col, lw=1.4, alpha=0.85, label=lab)
            axes[0, 1].plot(r["t"], r["h"][s], color=col, lw=1.4, alpha=0.85, label=lab)
            axes[0, 1].plot(
                r["t"],
                r["h_lin"][s],
                color=col,
                lw=1.0,
                ls=":",
                alpha=0.85,
                label="linearised" if s == 0 and r is runs[-1] else None,
            )
    lr = float(runs[0]["eta"]) * runs[0]["f_star"].shape[1]
    axes[0, 0].plot(
        t_fine,
        a * (1 - lr * lam2) ** t_fine,
        color="0.2",
        ls="--",
        label=f"limit {a:g} (1 - $\\lambda_2$)$^t$, $\\lambda_2$ = {lam2:.4g}",
    )
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_xlabel("GD step t (lr 1 on the 1/(2N) loss)")
    axes[0, 0].set_ylabel("$\\|g_t\\|_{p_{in}}$ (along $f^{(2)}$)")
    axes[0, 0].set_title(f"Decay along $f^{{(2)}}$\n[{cks[2].check}: {cks[2].verdict}]")
    axes[0, 0].legend(loc="lower left")
    axes[0, 1].set_xlabel("GD step t")
    axes[0, 1].set_ylabel("$\\|h_t\\|_{p_{in}}$ (orthogonal to $f^{(2)}$)")
    axes[0, 1].set_title(f"Deviation from the straight line\n[{cks[0].check}: {cks[0].verdict}]")
    axes[0, 1].axhline(0, color="0.5", lw=0.8)
    axes[0, 1].legend(loc="upper left")
    ax = axes[0, 2]
    widths = np.array([float(r["width"]) for r in runs])
    for key, lab, col in (
        ("h", "max$_t$ ||h$_t$|| / a (net)", "C0"),
        ("h_lin", "max$_t$ ||h$_t$|| / a (linearised)", "C1"),
        ("dev_lin", "max$_t$ ||f$_t$ - f$_t^{lin}$|| / a (training)", "C3"),
    ):
        vals = np.stack([r[key].max(1) / a for r in runs], axis=1)
        plotting.mean_band(ax, widths, vals, color=col, label=lab)
    plotting.reference_power_law(
        ax,
        widths,
        float(widths[0]),
        float(np.mean(runs[0]["h"].max(1) / a)),
        -0.5,
        label="$\\propto m^{-1/2}$",
    )
    plotting.log_log(
        ax,
        "width m",
        "deviation / a",
        f"What the width removes\n[{cks[0].check}: {cks[0].verdict}; {cks[1].check}: {cks[1].verdict}]",
    )
    ax.legend(fontsize=7)
    fig.suptitle(f"Jacot et al. 2018 Fig. 3 on digits: GD towards f* = f(0) + {a:g} f^(2)")
    io.save_figure(fig, out, meta)


def regression_figure(acc, reg: dict, gap_fits: list[dict], out: str, meta: dict | None = None) -> None:
    """(a) test score per data set and method; (b) net-vs-NTK gap vs width, log-log, with m^-1/2."""
    import seaborn as sns

    fig, axes = plotting.figure(1, 2, width=6.0, height=4.4, layout="constrained")
    ax = axes[0, 0]
    names = list(dict.fromkeys(acc["dataset"]))
    convs = list(dict.fromkeys(acc[acc["method"] == "ntk"]["inputs"]))
    methods = [f"NTK [{c}]" for c in convs] + [
        f"NNGP [{convs[0]}]",
        "net (widest)",
        "NTK GD (same T)",
        "RBF kernel ridge",
        "random forest",
    ]
    vals = {}
    for name in names:
        d = acc[acc["dataset"] == name]
        for kind in ("ntk", "nngp"):
            for c in convs:
                k = d[(d["method"] == kind) & (d["inputs"] == c)]
                if len(k):
                    vals[(name, f"{kind.upper()} [{c}]")] = (k.loc[k["cv_mean"].idxmax()].test_mean, 0.0)
        nets = d[d["method"] == "net"]
        wide = nets.loc[nets["width"].idxmax()]
        vals[(name, "net (widest)")] = (wide.test_mean, np.nan_to_num(wide.test_std))
        vals[(name, "NTK GD (same T)")] = (d[d["method"] == "ntk_gd"]["test_mean"].iloc[0], 0.0)
        vals[(name, "RBF kernel ridge")] = (d[d["method"] == "rbf_krr"]["test_mean"].iloc[0], 0.0)
        rf = d[d["method"] == "random_forest"].iloc[0]
        vals[(name, "random forest")] = (rf.test_mean, np.nan_to_num(rf.test_std))
    widest = int(acc[acc["method"] == "net"]["width"].max())
    colors = sns.color_palette("colorblind", len(methods))
    xs = np.arange(len(names))
    wbar = 0.8 / len(methods)
    for i, meth in enumerate(methods):
        ys = [vals[(n, meth)] for n in names]
        ax.bar(
            xs + (i - (len(methods) - 1) / 2) * wbar,
            [y[0] for y in ys],
            wbar,
            yerr=[y[1] for y in ys],
            color=colors[i],
            label=meth.replace("widest", f"m = {widest}").replace("[", "(CV depth) ["),
            capsize=2,
        )
    metrics = [acc[acc["dataset"] == n]["metric"].iloc[0] for n in names]
    ax.set_xticks(xs, [f"{n}\n({m})" for n, m in zip(names, metrics)])
    ax.set_ylabel("test accuracy (classification) / test $R^2$ (diabetes)")
    ax.set_ylim(min(0.0, float(np.nanmin(acc["test_mean"]))), 1.05)
    ax.set_title("NTK / NNGP regression vs nets vs baselines (same rows; baselines on standardised z)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    ax = axes[0, 1]
    fits = {f["dataset"]: f for f in gap_fits}
    allw = []
    for name, col in zip(reg, sns.color_palette("colorblind", len(reg))):
        r = reg[name]
        w = np.asarray(r["widths"], dtype=float)
        allw += list(w)
        f = fits[name]
        plotting.mean_band(
            ax,
            w,
            r["gap"],
            color=col,
            label=f"{name}: slope {f['exponent']:.2f} [{f['ci_low']:.2f}, {f['ci_high']:.2f}]",
        )
    if allw:
        g_all = np.concatenate([np.asarray(r["gap"]).ravel() for r in reg.values()])
        g_all = g_all[np.isfinite(g_all) & (g_all > 0)]
        if g_all.size:
            w = np.unique(allw)
            plotting.reference_power_law(
                ax,
                w,
                float(np.exp(np.log(w).mean())),
                float(np.exp(np.log(g_all).mean())),
                -0.5,
                label="theory $\\propto m^{-1/2}$",
            )
    plotting.log_log(
        ax,
        "width m",
        "relative gap ||f_net - f_NTK|| / ||f_NTK|| (test)",
        "Centred nets vs NTK kernel GD after the same T steps",
    )
    ax.legend(fontsize=7, title="mean, min-max over seeds; slope [95% CI]", title_fontsize=7)
    io.save_figure(fig, out, meta)
