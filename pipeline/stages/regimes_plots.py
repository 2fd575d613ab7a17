"""Figures of the regimes stage (results/figures/regimes/): alpha sweep, feature change vs width per
parameterisation, muP coordinate check, learning-rate transfer, teacher-student vs tau."""

from __future__ import annotations

import numpy as np

from .. import io, plotting
from .regimes_checks import FEATURE_PREDICTIONS, lr_optimum_slope, size_threshold
from .regimes_common import CHANCE_LOSS

ALPHA_PANELS = (
    ("w_rel", "weight change $\\|w_T - w_0\\| / \\|w_0\\|$"),
    ("k_rel", "kernel change $\\|K_T - K_0\\|_F / \\|K_0\\|_F$"),
    ("lin_gap", "linearisation gap $\\|f_T - f^{lin}_T\\| / \\|f_T\\|$ (test)"),
    ("pattern_frac", "fraction of units whose ReLU pattern changed"),
    ("loss", "loss per point $\\frac{1}{2N}\\sum (f - y)^2$"),
)


def _band(ax, x, y: np.ndarray, conv: np.ndarray, label: str, short: bool = False, **kw) -> None:
    """Mean and min-max band over the converged runs (y, conv (A, S)); runs that have not converged
    are drawn as hollow markers of the same colour."""
    yc = np.where(conv, y, np.nan)
    color = kw.pop("color", None)
    if np.isfinite(yc).any():
        color = plotting.mean_band(ax, x, yc.T, label=label, color=color, **kw).get_color()
    bad = ~conv & np.isfinite(y)
    if bad.any():
        xs = np.broadcast_to(np.asarray(x, float)[:, None], y.shape)[bad]
        ax.scatter(
            xs,
            y[bad],
            facecolors="none",
            edgecolors=color or "k",
            s=18,
            lw=0.8,
            label=f"{label}: runs not converged" if short else "runs not converged",
        )


def alpha_sweep(a: dict, fit: dict, out: str, meta: dict | None = None) -> None:
    alphas = np.asarray(a["alphas"], float)
    conv = np.asarray(a["converged"], bool) if "converged" in a else np.ones(a["w_rel"].shape, bool)
    fig, axes = plotting.figure(1, 5, width=3.6, height=3.4, layout="constrained")
    for k, (q, label) in enumerate(ALPHA_PANELS):
        ax = axes[0, k]
        if q == "loss":
            _band(ax, alphas, a["train_loss"], conv, "train", short=True, color="C0")
            _band(ax, alphas, a["test_loss"], conv, "test", short=True, color="C1")
            if "loss0" in a:
                thr = float(a["converge_fraction"]) * float(a["loss0"])
                ax.axhline(thr, color="0.5", ls="--", lw=0.8, label="convergence threshold (train)")
            ax.axhline(
                float(np.mean(a["lin_test_loss"])), color="0.3", ls=":", label="linearised model (test)"
            )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("output scale $\\alpha$")
            ax.set_ylabel(label)
            ax.legend(loc="best", fontsize=7)
            continue
        _band(ax, alphas, a[q], conv, "converged runs: mean, min-max", color="C0")
        if q == "w_rel" and len(fit.get("alphas", [])) >= 2:
            lazy = np.asarray(fit["alphas"], float)
            use = np.isin(alphas, lazy)
            y0 = float(np.exp(np.nanmean(np.log(np.where(conv[use], a["w_rel"][use], np.nan)))))
            plotting.reference_power_law(
                ax,
                lazy,
                float(np.exp(np.mean(np.log(lazy)))),
                y0,
                -1.0,
                label="theory $\\propto \\alpha^{-1}$ (lazy alphas)",
            )
            ax.set_title(
                f"lazy-alpha slope {fit['exponent']:.3f} [{fit['ci_low']:.3f}, {fit['ci_high']:.3f}]",
                fontsize=9,
            )
        if q == "k_rel" and "max_change" in fit:
            ax.axhline(fit["max_change"], color="0.3", ls=":", label="lazy threshold of the fit")
        if q == "pattern_frac":
            ax.set_xscale("log")
            ax.set_xlabel("output scale $\\alpha$")
            ax.set_ylabel(label)
        else:
            plotting.log_log(ax, "output scale $\\alpha$", label)
        ax.legend(loc="best", fontsize=7)
    fig.suptitle(
        f"Lazy (large $\\alpha$) vs rich (small $\\alpha$): centred two-layer ReLU net, "
        f"width {int(a['width'])}, circle task"
    )
    io.save_figure(fig, out, meta)


def width_sweep(w: dict, fits: dict, out: str, meta: dict | None = None) -> None:
    widths = np.asarray(w["widths"], float)
    params = [str(p) for p in w["params"]]
    fig, axes = plotting.figure(1, 2, width=5.0, height=4.0, layout="constrained")
    for k, (q, label) in enumerate(
        (
            ("a_rel", "first-layer change $\\|A_T - A_0\\|_F / \\|A_0\\|_F$"),
            ("h_rel", "feature change $\\|h_T - h_0\\|_F / \\|h_0\\|_F$"),
        )
    ):
        ax = axes[0, k]
        for i, p in enumerate(params):
            f = fits[p, q]
            if np.isfinite(w[q][i]).any():
                plotting.mean_band(
                    ax,
                    widths,
                    w[q][i].T,
                    label=f"{p}: slope {f['exponent']:.3f} [{f['ci_low']:.3f}, {f['ci_high']:.3f}]",
                )
        for i, p in enumerate(params):  # the predicted slopes, through each curve's narrowest point
            if q == "h_rel" and p in FEATURE_PREDICTIONS and np.isfinite(w[q][i][0]).any():
                slope = FEATURE_PREDICTIONS[p][0]
                y0 = float(np.nanmean(w[q][i][0]))
                plotting.reference_power_law(
                    ax, widths, widths[0], y0, slope, label=f"theory {p}: $m^{{{slope:g}}}$"
                )
        if q == "h_rel" and "ntk" in params and "mup" in params:  # mup_feature_exponent's size condition
            thr = size_threshold(widths) * float(np.nanmean(w["h_rel"][params.index("ntk")][0]))
            ax.axhline(thr, color="0.3", ls="--", lw=0.8, label="muP size threshold (widest width)")
        plotting.log_log(ax, "width $m$", label)
        ax.legend(loc="best", fontsize=7)
    fig.suptitle("Feature learning vs width: NTK, muP and standard parameterisations (circle task)")
    io.save_figure(fig, out, meta)


def coord_check(c: dict, out: str, meta: dict | None = None) -> None:
    """Rows: (parameterisation, optimiser); columns: steps; curves: layers (log2-log2)."""
    arr = c["mean_abs"]  # (P, O, W, S, T, L)
    widths = np.asarray(c["widths"], float)
    params, opts = [str(p) for p in c["params"]], [str(o) for o in c["optimizers"]]
    n_steps, n_layers = arr.shape[-2], arr.shape[-1]
    rows = [(i, j) for i in range(len(params)) for j in range(len(opts))]
    fig, axes = plotting.figure(len(rows), n_steps, width=3.4, height=2.9, layout="constrained")
    for r, (i, j) in enumerate(rows):
        for t in range(n_steps):
            ax = axes[r, t]
            for layer in range(n_layers):
                y = arr[i, j, :, :, t, layer].T
                if np.any(np.isfinite(y) & (y > 0)):
                    plotting.mean_band(
                        ax,
                        widths,
                        np.where(y > 0, y, np.nan),
                        label="output" if layer == n_layers - 1 else f"$z_{layer + 1}$",
                    )
            ax.set_xscale("log", base=2)
            ax.set_yscale("log", base=2)
            ax.set_title(f"{params[i]}, {opts[j]}: step {t + 1}", fontsize=9)
            if r == len(rows) - 1:
                ax.set_xlabel("width")
            if t == 0:
                ax.set_ylabel("mean abs(z)")
            ax.legend(loc="best", fontsize=7)
    fig.suptitle("Coordinate check (microsoft/mup): flat curves = width-independent activations")
    io.save_figure(fig, out, meta)


def lr_transfer(sweeps: list[dict], out: str, meta: dict | None = None) -> None:
    """Rows: sweeps (the checked optimiser, then the SGD reference); columns: loss vs log2 lr per
    parameterisation (one curve per width, seed mean), then the optimum vs width with its bootstrap
    interval per parameterisation (``regimes_checks.lr_optimum_slope``)."""
    n_p = max(len(r["params"]) for r in sweeps)
    fig, axes = plotting.figure(len(sweeps), n_p + 1, width=4.2, height=3.5, layout="constrained")
    for row, r in enumerate(sweeps):
        loss = r["train_loss"]  # (P, W, L, S)
        params = [str(p) for p in r["params"]]
        opt_name = str(r["optimizer"]) if "optimizer" in r else ""
        lrs = np.asarray(r["log2_lrs"], float)
        widths = np.asarray(r["widths"], float)
        colors = plotting.sns.color_palette(plotting.PALETTE, len(widths))
        summ = axes[row, n_p]
        for i, p in enumerate(params):
            ax = axes[row, i]
            f = lr_optimum_slope(widths, lrs, loss[i], 0.95)
            for j, m in enumerate(widths):
                mean = loss[i, j].mean(-1)  # capped at ln 10 (diverged runs count as chance)
                ax.plot(lrs, mean, marker="o", ms=3, color=colors[j], label=f"width {int(m)}")
                b = int(np.argmin(mean))
                ax.plot(lrs[b], mean[b], marker="*", ms=11, color=colors[j])
                if np.isfinite(f["optimum"][j]):
                    ax.axvline(f["optimum"][j], color=colors[j], ls=":", lw=1)
            ax.axhline(CHANCE_LOSS, color="0.5", lw=0.8, ls="--")
            ax.set_yscale("log")
            ax.set_xlabel("$\\log_2$ learning rate")
            ax.set_ylabel("training loss, last quarter of the steps")
            ax.set_title(f"{p}, {opt_name}: stars = grid argmin, dotted = local-parabola optimum", fontsize=8)
            ax.legend(loc="best", fontsize=7)
            ok = np.isfinite(f["optimum"])
            err = np.abs(np.stack([f["optimum"] - f["opt_low"], f["opt_high"] - f["optimum"]]))
            summ.errorbar(
                widths[ok],
                f["optimum"][ok],
                yerr=np.where(np.isfinite(err), err, 0)[:, ok],
                marker="o",
                capsize=3,
                label=f"{p}: slope {f['mean']:.2f} [{f['ci_low']:.2f}, {f['ci_high']:.2f}]",
            )
        summ.set_xscale("log", base=2)
        summ.set_xlabel("width")
        summ.set_ylabel("optimal $\\log_2$ lr (95% bootstrap interval)")
        summ.set_title(f"{opt_name}: optimum vs width", fontsize=9)
        summ.legend(loc="best", fontsize=7)
    for i in range(len(sweeps)):
        for k in range(len(sweeps[i]["params"]), n_p):
            axes[i, k].set_visible(False)
    fig.suptitle("Learning-rate transfer on 8x8 digits (Tensor Programs V)")
    io.save_figure(fig, out, meta)


def teacher_student(t: dict, out: str, meta: dict | None = None) -> None:
    taus = np.asarray(t["taus"], float)
    fig, axes = plotting.figure(1, 1, width=5.0, height=4.0, layout="constrained")
    ax = axes[0, 0]
    plotting.mean_band(ax, taus, t["test_loss_final"].T, label="end of training", spread="std", color="k")
    plotting.mean_band(
        ax, taus, t["test_loss_best"].T, label="best throughout training", spread="std", color="0.5", ls=":"
    )
    plotting.log_log(
        ax,
        "initialisation scale $\\tau$ ($\\alpha \\sim \\tau^2$)",
        "test loss",
        f"Teacher-student ({t['test_loss_final'].shape[1]} trials, {int(t['steps'])} GD steps)",
    )
    ax.legend(loc="best")
    io.save_figure(fig, out, meta)
