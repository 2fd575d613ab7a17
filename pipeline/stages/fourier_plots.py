"""Figures of the fourier stage (Tancik et al. 2020): reconstructions, the Gaussian scale sweep,
training curves, the NTK of the mappings and the 1D power-law regression demo. Each function takes
the arrays the stage computed and writes one PNG (``io.save_figure``, shared ``plotting`` style).
"""

from __future__ import annotations

import math

import numpy as np

from .. import io, plotting
from ..fourier_features import LABELS
from ..fourier_features import MAPPINGS as ORDER


def reconstructions(runs, images, n_show, path, meta):
    sets = sorted({s for s, _ in runs})
    maps = [m for m in ORDER if any((s, m) in runs for s in sets)]
    rows = [(s, i) for s in sets for i in range(min(n_show, len(images[s])))]
    fig, axes = plotting.figure(len(rows), len(maps) + 1, width=2.4, height=2.6, layout="constrained")
    for r, (s, i) in enumerate(rows):
        any_run = next(runs[(s, m)][0] for m in maps if (s, m) in runs)
        axes[r, 0].imshow(images[s][i])
        axes[r, 0].set_title(f"{s}: {any_run['names'][i]}\nground truth")
        for c, m in enumerate(maps, start=1):
            ax = axes[r, c]
            if (s, m) in runs:
                arr = runs[(s, m)][0]
                ax.imshow(arr["recon"][i])
                ax.set_title(
                    f"{LABELS[m]}\ntest {arr['final_test'][i]:.2f} dB / train {arr['final_train'][i]:.1f}"
                )
        for ax in axes[r]:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    fig.suptitle(
        "Coordinate MLP reconstructions on the full pixel grid (trained on [::2, ::2]; "
        "test PSNR on [1::2, 1::2])"
    )
    io.save_figure(fig, path, meta)


SWEEP_AXES = {
    "gaussian": (r"Gaussian scale $\sigma$ (cycles per image side)", "sigma", True),
    "positional": (r"positional scale $s$ (top frequency $2^s - 1$ per side)", "pe_scale", False),
}


def scale_sweep(sweep, section, path, meta):
    """One panel per image set x swept mapping: train / test PSNR against the scale."""
    panels = (
        [(s, m) for s in sorted(sweep["imageset"].unique()) for m in SWEEP_AXES if m in set(sweep["mapping"])]
        if len(sweep)
        else []
    )
    fig, axes = plotting.figure(1, max(1, len(panels)), width=4.8, height=3.8, layout="constrained")
    for ax, (s, m) in zip(axes[0], panels):
        xlabel, key, logx = SWEEP_AXES[m]
        g = sweep[(sweep["imageset"] == s) & (sweep["mapping"] == m)].groupby("scale")
        for col, style, lab in (("psnr_train", "--", "train grid"), ("psnr_test", "-", "test grid")):
            mu, sd = g[col].mean(), g[col].std(ddof=0)
            ax.plot(mu.index, mu.values, style, marker="o", label=f"{lab} (mean over images)")
            ax.fill_between(mu.index, mu - sd, mu + sd, alpha=0.2)
        best = g["psnr_test"].mean().idxmax()
        ax.axvline(best, color="0.4", lw=1, ls=":", label=f"best test scale = {best:g}")
        ax.axvline(
            section[key][s], color="C3", lw=1, ls="-.", label=f"main-table scale = {section[key][s]:g}"
        )
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("PSNR (dB)")
        ax.set_title(f"{s} images, {LABELS[m]}: small underfits, large overfits")
        ax.legend()
    if not panels:
        axes[0, 0].text(0.5, 0.5, "no sweep configured", ha="center", va="center")
    io.save_figure(fig, path, meta)


def training_curves(runs, summary, path, meta):
    """Mean test (solid) / train (dashed) PSNR against the Adam step; a still-rising curve (``summary``
    still_rising) is labelled so and its last point marked with an open circle."""
    sets = sorted({s for s, _ in runs})
    rising = {(r.imageset, r.mapping): (bool(r.still_rising), r.test_gain_last) for r in summary.itertuples()}
    fig, axes = plotting.figure(1, len(sets), width=4.8, height=3.8, layout="constrained")
    for ax, s in zip(axes[0], sets):
        for c, m in enumerate(ORDER):
            if (s, m) not in runs:
                continue
            arr = runs[(s, m)][0]
            up, gain = rising.get((s, m), (False, math.nan))
            lab = f"{LABELS[m]} (test" + (f", still rising: {gain:+.2f} dB)" if up else ")")
            te = arr["psnr_test"].mean(0)
            ax.plot(arr["steps"], te, "-", color=f"C{c}", label=lab)
            if up:
                ax.plot(arr["steps"][-1], te[-1], "o", mfc="none", color=f"C{c}", ms=8)
            ax.plot(arr["steps"], arr["psnr_train"].mean(0), "--", color=f"C{c}", lw=1, alpha=0.7)
        ax.set_xlabel("Adam step")
        ax.set_ylabel("PSNR (dB), mean over images")
        ax.set_title(f"{s} images: test (solid), train (dashed)")
        ax.legend()
    io.save_figure(fig, path, meta)


def ntk_mappings(a, kc, path, meta):
    fig, axes = plotting.figure(2, 4, width=3.6, height=3.0, layout="constrained")
    pd_ = a["profile_deltas"]
    f = a["freqs"]
    for c, m in enumerate(ORDER):
        ax = axes[0, c]
        for j, x0 in enumerate(a["anchors"]):
            ax.plot(
                pd_, a[f"profile_{m}"][j], lw=1.5 - 0.4 * j, ls=["-", "--", ":"][j], label=f"$x'$ = {x0:g}"
            )
        ax.set_title(f"{LABELS[m]}: stat. err {float(a[f'stationarity_{m}']):.0e}")
        ax.set_xlabel("$x - x'$")
        ax.set_ylabel("NTK $k(x, x')$")
        ax.legend()
    ax = axes[1, 0]
    for c, m in enumerate(ORDER):
        if m == "none":  # not stationary: no spectrum in x - x'
            continue
        lam = np.abs(a[f"lam_{m}"])[1:]
        keep = lam > 1e-10 * lam.max()  # periodic kernels (basic) live on integer frequencies only
        ax.loglog(
            f[1:][keep],
            lam[keep],
            color=f"C{c}",
            lw=0.8,
            marker=".",
            ms=2,
            label=f"{LABELS[m]} (f90 {float(a[f'bandwidth_{m}']):g})",
        )
    ax.set_xlabel("frequency f (cycles per unit)")
    ax.set_ylabel(r"$|\hat k(f)|$ (NTK eigenvalue)")
    ax.set_title("NTK spectrum per mapping")
    ax.legend()
    ax = axes[1, 1]
    colours = plotting.sns.color_palette(plotting.PALETTE, len(a["bw_sigmas"]))
    for j, sg in enumerate(a["bw_sigmas"]):
        lam = np.abs(a["bw_lam"][j])[1:]
        ax.semilogx(f[1:], np.cumsum(lam) / lam.sum(), color=colours[j], label=rf"$\sigma$ = {sg:g}")
    ax.axhline(0.9, color="0.3", ls="--", lw=1, label="90%: f90")
    ax.set_xlabel("frequency f (cycles per unit)")
    ax.set_ylabel("cumulative spectral mass (f > 0)")
    ax.set_title(r"Gaussian mapping: spectrum vs $\sigma$")
    ax.legend(ncol=2)
    ax = axes[1, 2]
    s, f90 = a["bw_sigmas"], np.atleast_2d(a["bw_f90"])
    for i, row in enumerate(f90):
        ax.loglog(
            s, row, "o-", color="C0", alpha=0.5, lw=1, label=f"f90, {len(f90)} draws of B" if not i else None
        )
    if "bw_ref_f90" in a:
        ax.loglog(s, a["bw_ref_f90"], "s:", color="0.4", ms=3, label="Gaussian reference (exact slope 1)")
    plotting.reference_power_law(ax, s, s[0], f90[0, 0], 1.0, label=r"$\propto \sigma$")
    ax.set_xlabel(r"Gaussian scale $\sigma$")
    ax.set_ylabel("f90 (cycles per unit)")
    ax.set_title("NTK bandwidth grows with $\\sigma$")
    ax.legend()
    axes[1, 3].axis("off")
    axes[1, 3].text(
        0.0,
        0.5,
        f"ReLU MLP, {kc['hidden_layers']} hidden layers,\nNTK param., "
        f"w_std={kc['w_std']:.3g}, b_std={kc['b_std']:g}\nanalytic (infinite width) NTK\n"
        f"gaussian: sigma={kc['sigma']:g}, m={kc['n_freq']}\npositional: s={kc['pe_scale']:g}\n"
        "stationarity error: max over x'\nof |k - mean| / max|k|",
        va="center",
        fontsize=9,
    )
    fig.suptitle("NTK of an MLP on Fourier-feature-mapped 1D inputs")
    io.save_figure(fig, path, meta)


def power_law_regression(a, dm, path, meta):
    P = len(a["demo_powers"])
    fig, axes = plotting.figure(1, P + 1, width=3.8, height=3.2, layout="constrained")
    xt, xs = a["demo_x_test"], a["demo_x_train"]
    for i, p in enumerate(a["demo_powers"]):
        ax = axes[0, i]
        nets = a["demo_nets"][i]
        ax.plot(xt, a["demo_y_test"], color="0.6", lw=2.5, label="target")
        ax.fill_between(xt, nets.mean(0) - nets.std(0), nets.mean(0) + nets.std(0), color="C0", alpha=0.2)
        ax.plot(xt, nets.mean(0), color="C0", lw=1.5, label=f"networks (mean +- sd, {nets.shape[0]} seeds)")
        ax.plot(
            xt,
            a["demo_kernel_T"][i],
            "--",
            color="C3",
            lw=1.3,
            label=f"NTK regression from f = 0 (t = {dm['steps']})",
        )
        if "demo_lin" in a:
            ax.plot(
                xt,
                a["demo_lin"][i][0],
                ":",
                color="C2",
                lw=1.3,
                label="seed 0: net (thin) vs its NTK linearisation",
            )
            ax.plot(xt, nets[0], "-", color="C2", lw=0.6)
        ax.plot(xs, a["demo_y_train"], "k.", ms=6, label="training points")
        rmse = lambda f: float(np.sqrt(np.mean((f - a["demo_y_test"]) ** 2)))  # noqa: E731
        title = (
            f"p = {'inf (basic)' if math.isinf(p) else f'{p:g}'}: test RMSE\nnet mean "
            f"{rmse(nets.mean(0)):.2f}, NTK from f = 0 {rmse(a['demo_kernel_T'][i]):.2f}"
        )
        if "demo_lin" in a:
            dev = float(np.mean(np.sqrt(np.mean((nets - a["demo_lin"][i]) ** 2, axis=1))))
            title += f"\nnet - own linearisation {dev:.3f} (mean over seeds)"
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        if i == 0:
            ax.legend(fontsize=7)
    ax = axes[0, P]
    for i, p in enumerate(a["demo_powers"]):
        ax.semilogy(
            np.arange(1, a["demo_eigs"].shape[1] + 1),
            np.clip(a["demo_eigs"][i], 1e-16, None),
            "o-",
            ms=3,
            label=f"p = {'inf' if math.isinf(p) else f'{p:g}'}",
        )
    ax.set_xlabel("eigenvalue index")
    ax.set_ylabel("NTK eigenvalue (train points)")
    ax.set_title("faster decay = lower-frequency bias")
    ax.legend()
    fig.suptitle(
        r"1D regression with power-law mappings $a_j = j^{-p}$, $b_j = j$ (width "
        f"{dm['width']}, GD {dm['steps']} steps)"
    )
    io.save_figure(fig, path, meta)
