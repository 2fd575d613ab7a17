"""Figures of the depth stage (results/figures/depth/): quadrature convergence, signal propagation,
phase diagram, large-depth NTK and finite-width non-Gaussianity."""

from __future__ import annotations

import numpy as np

from .. import activations, io, plotting
from .. import signal_propagation as sp
from .depth_theory import xi_fit_layers


def quadrature(theory: dict, section: dict, out: str, meta: dict | None = None) -> None:
    """Max relative error of the Gauss-Hermite dual kernels (k and kdot) vs order, per activation."""
    import matplotlib.pyplot as plt

    fig, axes = plotting.figure(1, 1, width=6.0, height=4.2)
    ax = axes[0, 0]
    orders = theory["orders"]
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, len(activations.NAMES)))
    for a, name in enumerate(activations.NAMES):
        err = np.maximum(theory["quad_err"][a].max(0), 1e-17)
        ls = ":" if name in activations.KINKED else "-"
        ax.plot(orders, err, ls, marker="o", ms=3, color=colors[a], label=name)
    ax.axhline(section["quadrature"]["rtol"], color="0.3", ls="--", lw=1, label="claimed accuracy")
    ax.axvline(section["quadrature"]["order"], color="0.6", ls="-.", lw=1, label="order used")
    plotting.log_log(ax, "Gauss-Hermite order n (n^2 nodes)", "max relative error of k, kdot")
    ax.set_title(f"dual-kernel quadrature (q up to {theory['quad_q_max']:.2g})")
    ax.legend(fontsize=7, ncol=2)
    io.save_figure(fig, out, meta=meta)


def propagation(
    theory: dict, nets: dict, tables: dict, section: dict, out: str, meta: dict | None = None
) -> None:
    """chi_1 vs sw2 (theory and measured), mean pair correlations vs depth, and |D^l| vs depth."""
    import matplotlib.pyplot as plt

    act = activations.get(section["activation"], section["slope"])
    sb2 = float(section["sigma_b2"])
    order = int(section["quadrature"]["order"])
    fig, axes = plotting.figure(1, 3, width=4.4, height=3.8, layout="constrained")
    ax = axes[0, 0]
    sw = np.linspace(theory["sw2"][0], theory["sw2"][-1], 80)
    chi = [sp.chi_1(act, s, sp.q_star(act, s, sb2, order), order) for s in sw]
    ax.plot(sw, chi, color="0.3", label="theory chi_1")
    t = tables["theory"]
    ax.errorbar(
        t["sigma_w2"],
        t["chi_1_measured"],
        yerr=[t["chi_1_measured"] - t["chi_1_ci_low"], t["chi_1_ci_high"] - t["chi_1_measured"]],
        fmt="o",
        ms=4,
        label="measured (95% CI)",
    )
    ax.axhline(1, color="0.6", lw=0.8)
    ax.axvline(
        float(theory["edge"]), color="C3", ls="--", lw=1, label=f"edge of chaos {float(theory['edge']):.3f}"
    )
    ax.set_xlabel("sigma_w^2")
    ax.set_ylabel("chi_1")
    ax.set_title(f"{act.label()}, sigma_b^2 = {sb2:g}")
    ax.legend(fontsize=7)
    pc = nets["pair_corr"]
    p = pc.shape[-1] // 2
    layers = np.arange(1, pc.shape[2] + 1)
    colors = plt.get_cmap("tab10")
    for i, s2 in enumerate(theory["xi_sw2"]):
        m = pc[:, i].mean(0)
        for g, sl in enumerate((slice(0, p), slice(p, 2 * p))):
            axes[0, 1].plot(layers, m[:, sl].mean(-1), "o", ms=2.5, color=colors(i), alpha=0.8)
            axes[0, 1].plot(
                layers,
                theory["xi_traj"][i, g],
                "-",
                color=colors(i),
                lw=1,
                label=f"sw2 {s2:g}" if g == 0 else None,
            )
        cs = theory["xi_c_star"][i]
        axes[0, 1].axhline(cs, color=colors(i), ls=":", lw=0.8)
        ordered = cs >= 1
        dev = 1 - m.mean(-1) if ordered else m[:, :p].mean(-1) - m[:, p:].mean(-1)
        dev_t = (
            1 - theory["xi_traj"][i].mean(0) if ordered else theory["xi_traj"][i, 0] - theory["xi_traj"][i, 1]
        )
        axes[0, 2].semilogy(layers, np.abs(dev), "o", ms=2.5, color=colors(i))
        axes[0, 2].semilogy(
            layers,
            np.abs(dev_t),
            "-",
            lw=1,
            color=colors(i),
            label=f"sw2 {s2:g}: xi_c {theory['xi_xi_c'][i]:.2f}",
        )
        cut = xi_fit_layers(section["propagation"], theory["xi_xi_c"][i], ordered)[1]
        if cut < int(section["propagation"]["fit_layers"][1]):  # the chaotic fit's end (2 xi_c)
            axes[0, 2].axvline(cut, color=colors(i), ls="--", lw=0.8)
    axes[0, 1].set_xlabel("layer l")
    axes[0, 1].set_ylabel("mean pair correlation c^l")
    axes[0, 1].set_title("c^l -> c* (dots: measured, lines: map)")
    axes[0, 1].legend(fontsize=7)
    lo, hi = section["propagation"]["fit_layers"]
    axes[0, 2].axvspan(lo, hi, color="0.9", zorder=0)
    axes[0, 2].set_xlabel("layer l")
    axes[0, 2].set_ylabel("|D^l| (c+ minus c- pairs; ordered: 1 - c)")
    axes[0, 2].set_title("decay ~ exp(-l / xi_c)")
    axes[0, 2].legend(fontsize=7)
    io.save_figure(fig, out, meta=meta)


def phase_diagram(theory: dict, section: dict, out: str, meta: dict | None = None) -> None:
    """log chi_1 on the (sw2, sb2) grid with the edge-of-chaos curve."""
    fig, axes = plotting.figure(1, 1, width=6.0, height=4.4, layout="constrained")
    ax = axes[0, 0]
    chi = np.log(theory["phase_chi1"])
    lim = np.nanmax(np.abs(chi))
    mesh = ax.pcolormesh(
        theory["phase_sw2"], theory["phase_sb2"], chi, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="auto"
    )
    fig.colorbar(mesh, ax=ax, label="ln chi_1 (< 0 ordered, > 0 chaotic)")
    ax.plot(theory["edge_curve"], theory["phase_sb2"], "k-", lw=2, label="edge of chaos (chi_1 = 1)")
    ax.plot(
        [float(theory["edge"])], [float(section["sigma_b2"])], "o", color="gold", mec="k", label="stage's sb2"
    )
    ax.set_xlabel("sigma_w^2")
    ax.set_ylabel("sigma_b^2")
    ax.set_title(f"phase diagram, {activations.get(section['activation'], section['slope']).label()}")
    ax.legend(fontsize=8, loc="upper left")
    io.save_figure(fig, out, meta=meta)


def ntk(theory: dict, nets: dict, table, section: dict, out: str, meta: dict | None = None) -> None:
    """Per sw2 of ntk.sigma_w2: NTK entries vs depth (measured dots, recursion lines, limits) and the
    condition number vs depth."""
    sws = theory["ntk_sw2"]
    fig, axes = plotting.figure(1, len(sws) + 1, width=4.3, height=3.8, layout="constrained")
    for i, s2 in enumerate(sws):
        ax = axes[0, i]
        t = table[table["sigma_w2"] == s2]
        ax.plot(t["depth"], t["diag_measured"], "o", ms=3, color="C0", label="diagonal (measured)")
        ax.plot(t["depth"], t["offdiag_measured"], "s", ms=3, color="C1", label="off-diagonal (measured)")
        th = theory["ntk_theory"][i]
        d = np.arange(1, th.shape[0])
        ax.plot(d, th[1:, 0, 0], "-", color="C0", lw=1, label="recursion (infinite width)")
        ax.plot(d, th[1:, 0, 1], "-", color="C1", lw=1)
        if theory["ntk_c_star"][i] >= 1:
            ax.axhline(
                theory["ntk_p_star"][i],
                color="0.3",
                ls="--",
                lw=1,
                label=f"p* = {theory['ntk_p_star'][i]:.3f}",
            )
            ax.set_title(f"ordered, sw2 {s2:g}")
        else:
            ax.set_yscale("log")
            lim = theory["ntk_offdiag_limit"][i]
            ax.axhline(lim, color="0.3", ls="--", lw=1, label=f"off-diagonal limit {lim:.3f}")
            ax.set_title(f"chaotic, sw2 {s2:g} (diagonal ~ chi_1^l)")
        ax.set_xlabel("depth l")
        ax.set_ylabel("NTK entry")
        ax.legend(fontsize=7)
        axes[0, -1].semilogy(t["depth"], t["cond_measured"], "o", ms=3, label=f"sw2 {s2:g} measured")
        axes[0, -1].semilogy(d, [np.linalg.cond(k) for k in th[1:]], "-", lw=1, label=f"sw2 {s2:g} recursion")
    axes[0, -1].set_xlabel("depth l")
    axes[0, -1].set_ylabel("condition number of the 2x2 NTK")
    axes[0, -1].legend(fontsize=7)
    io.save_figure(fig, out, meta=meta)


def nongauss(table, section: dict, out: str, meta: dict | None = None) -> None:
    """E[f^4] / (3 E[f^2]^2) vs depth per width: He ReLU (measured, bootstrap CI; prediction) and
    the stage's activation (reported)."""
    fig, axes = plotting.figure(1, 1, width=5.5, height=4.0, layout="constrained")
    ax = axes[0, 0]
    for j, (w, t) in enumerate(table.groupby("width")):
        c = f"C{j}"
        ax.errorbar(
            t["depth"],
            t["ratio_relu"],
            yerr=[t["ratio_relu"] - t["ci_low"], t["ci_high"] - t["ratio_relu"]],
            fmt="o",
            color=c,
            ms=4,
            label=f"relu n = {w}",
        )
        ax.plot(t["depth"], t["predicted"], "-", color=c, lw=1)
        ax.plot(
            t["depth"],
            t["ratio_act"],
            "x--",
            color=c,
            lw=0.8,
            label=f"{section['activation']} n = {w} (report)",
        )
    ax.axhline(1, color="0.5", lw=0.8)
    ax.set_xlabel("hidden layers L")
    ax.set_ylabel("E[f^4] / (3 E[f^2]^2)")
    ax.set_title("non-Gaussianity at init; lines: prod (1 + 5/n)")
    ax.legend(fontsize=7)
    io.save_figure(fig, out, meta=meta)


def trainability(res: dict, section: dict, out: str, meta: dict | None = None) -> None:
    """Training accuracy after the fixed budget on depth x sw2 (heat map) with 6 xi_c(sw2) overlaid
    and the edge of chaos (Schoenholz et al. 2017, Fig. 5)."""
    sw2, depths, acc = res["sigma_w2"], res["depths"], res["accuracy"]
    fig, axes = plotting.figure(1, 1, width=5.8, height=4.3, layout="constrained")
    ax = axes[0, 0]
    dsw = (sw2[1] - sw2[0]) / 2 if len(sw2) > 1 else 0.5
    dd = (depths[1] - depths[0]) / 2 if len(depths) > 1 else 0.5
    im = ax.imshow(
        acc,
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=0.0,
        vmax=1.0,
        extent=(sw2[0] - dsw, sw2[-1] + dsw, depths[0] - dd, depths[-1] + dd),
    )
    fig.colorbar(im, ax=ax, label="training accuracy after the budget")
    ax.plot(res["sigma_w2_fine"], 6 * res["xi_c_fine"], color="w", lw=1.5, label="6 xi_c (theory)")
    ax.grid(False)
    ax.set_ylim(depths[0] - dd, depths[-1] + dd)
    edge = float(res["edge"])
    if np.isfinite(edge):
        ax.axvline(edge, color="r", ls="--", lw=1, label=f"edge of chaos {edge:.3f}")
    tr = section["trainability"]
    ax.set_xlabel("sigma_w^2")
    ax.set_ylabel("depth L (hidden layers)")
    ax.set_title(
        f"{section['activation']}, sb2 {section['sigma_b2']:g}: width {tr['width']}, {tr['steps']} SGD steps",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper right", facecolor="0.8")
    io.save_figure(fig, out, meta=meta)
