"""Figures of the spectra stage (results/figures/spectra/): eigenvalue decay on the sphere, Gram vs
analytic eigenvalues, learning time vs frequency."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from .. import decay_asymptote, io, plotting


def _colmean(a) -> np.ndarray:
    """Mean over axis 0 of the finite entries (NaN for a column without any, no warning)."""
    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a)
    n = ok.sum(0)
    return np.where(n > 0, np.where(ok, a, 0.0).sum(0) / np.maximum(n, 1), np.nan)


def _positive(k, v):
    ok = np.isfinite(v) & (v > 0)
    return np.asarray(k)[ok], np.asarray(v)[ok]


def decay(ana: dict, section: dict, out: str, meta: dict | None = None) -> None:
    """Row 1: mu_k / mu_0 of the depth-1 NTK without / with a bias and the NNGP, per d; row 2: the
    bias-free NTK of every depth (even k solid, odd k dotted), with the k^-d line through the first
    fitted degree; grey band: the degrees of the asymptotic-exponent fit. Row 3: the local slope
    ln(mu_(k+2) / mu_k) / ln((k+2) / k) of the bias-free NTK (even k) of every depth, plus d, against
    k, with the extrapolated asymptotic exponent + d and its error bound (bar at k_max) and the
    tolerance band +- decay.tol around 0 (the prediction)."""
    import matplotlib.pyplot as plt

    dims, depths, mu = [int(d) for d in ana["dims"]], [int(d) for d in ana["depths"]], ana["mu"]
    k = ana["k"]
    k_hi = int(k[-1])
    k_lo = int(decay_asymptote.fit_degrees(k_hi, section["decay"]["window"])[0])
    j1 = depths.index(1) if 1 in depths else 0
    fig, axes = plotting.figure(3, len(dims), width=4.2, height=3.6, layout="constrained")
    dec = section["decay"]
    colors = plt.get_cmap(plotting.PALETTE)(np.linspace(0, 0.85, len(depths)))
    even, odd = (k >= 1) & (k % 2 == 0), (k >= 1) & (k % 2 == 1)
    for i, d in enumerate(dims):
        ax = axes[0, i]
        m0 = mu[i, j1, 0, 0]
        ax.plot(*_positive(k[even], m0[even] / m0[0]), "o", ms=2.5, label="NTK, no bias (even k)")
        mb = mu[i, j1, 1, 0]
        ax.plot(*_positive(k[even], mb[even] / mb[0]), "-", lw=1.2, label="NTK, bias (even k)")
        ax.plot(*_positive(k[odd], mb[odd] / mb[0]), "--", lw=1.2, label="NTK, bias (odd k)")
        mn = mu[i, j1, 0, 1]
        ax.plot(
            *_positive(k[even], mn[even] / mn[0]),
            ":",
            lw=1.2,
            label=f"NNGP, no bias (even k; $k^{{-{d + 2}}}$)",
        )
        plotting.reference_power_law(ax, k[k >= 2], k_lo, float(m0[k_lo] / m0[0]), -d, label=f"$k^{{-{d}}}$")
        ax.axvspan(k_lo, k_hi, color="0.9", zorder=0)
        plotting.log_log(ax, "degree $k$", "$\\mu_k / \\mu_0$", f"depth 1, $S^{{{d - 1}}}$ (d = {d})")
        ax.legend(fontsize=7, loc="lower left")
        ax = axes[1, i]
        for j, depth in enumerate(depths):
            mj = mu[i, j, 0, 0]
            ax.plot(
                *_positive(k[even], mj[even] / mj[0]),
                "-",
                color=colors[j],
                lw=1.4,
                label=f"depth {depth}, even k",
            )
            if depth > 1:
                ax.plot(
                    *_positive(k[odd], np.abs(mj[odd]) / mj[0]),
                    ":",
                    color=colors[j],
                    lw=1.4,
                    label=f"depth {depth}, odd k",
                )
        plotting.reference_power_law(
            ax, k[k >= 2], k_lo, float(mu[i, j1, 0, 0][k_lo] / mu[i, j1, 0, 0][0]), -d, label=f"$k^{{-{d}}}$"
        )
        ax.axvspan(k_lo, k_hi, color="0.9", zorder=0)
        plotting.log_log(ax, "degree $k$", "abs($\\mu_k$) / $\\mu_0$", f"NTK without bias by depth, d = {d}")
        ax.legend(fontsize=7, loc="lower left", ncol=1)
        ax = axes[2, i]
        ke = k[(k >= max(2, k_lo // 4)) & (k % 2 == 0)]
        shown = []
        for j, depth in enumerate(depths):
            mj = mu[i, j, 0, 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                local = np.log(mj[ke[1:]] / mj[ke[:-1]]) / np.log(ke[1:] / ke[:-1])
            ax.plot(ke[:-1], local + d, "-", color=colors[j], lw=1.2, label=f"depth {depth}: local slope + d")
            shown.append(local + d)
            f = decay_asymptote.asymptotic_exponent(
                mj, ana["mu_err"][i, j, 0, 0], dec["window"], dec["corrections"]
            )
            if np.isfinite(f["slope"]):
                ax.errorbar(
                    [k_hi * (1.08 + 0.06 * j)],
                    [f["slope"] + d],
                    yerr=[[f["bound"]], [f["bound"]]],
                    fmt="s",
                    ms=3,
                    color=colors[j],
                    capsize=2,
                )
        ax.axhspan(-dec["tol"], dec["tol"], color="C2", alpha=0.15, label=f"prediction 0 +- {dec['tol']:g}")
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.axvspan(k_lo, k_hi, color="0.9", zorder=0)
        ax.set_xscale("log")
        ax.set_xlabel("degree $k$")
        ax.set_ylabel("slope + d")
        vals = np.concatenate(shown)
        vals = vals[np.isfinite(vals)]
        tol = float(dec["tol"])
        if vals.size:
            ax.set_ylim(min(-3 * tol, float(vals.min()) * 1.1), max(3 * tol, float(vals.max()) * 1.1))
        ax.set_title(f"d = {d}: local slope + d; squares: extrapolated")
        ax.legend(fontsize=7, loc="best")
    io.save_figure(fig, out, meta)


def gram(ana: dict, grm: dict, out: str, meta: dict | None = None) -> None:
    """Per d: top Gram / N eigenvalues (largest N, one draw) against mu_k with multiplicity; the
    RMS error over draws vs N (log-log) with the predicted C_d / sqrt(N); the circle's exact
    eigenvalues."""
    dims = [int(d) for d in grm["dims"]]
    ns = np.asarray(grm["n_points"], dtype=float)
    fig, axes = plotting.figure(1, len(dims) + 2, width=3.8, height=3.6, layout="constrained")
    for i, d in enumerate(dims):
        ax = axes[0, i]
        m = int(grm["n_top"][i])
        idx = np.arange(1, m + 1)
        ax.plot(
            *_positive(idx, grm["analytic_top"][i, :m]),
            "k-",
            lw=1.2,
            drawstyle="steps-mid",
            label="$\\mu_k$ with multiplicity $N(d, k)$",
        )
        ax.plot(*_positive(idx, grm["top"][i, :m]), "o", ms=3, label=f"Gram / N, N = {int(ns[-1])}")
        ax.set_yscale("log")
        ax.set_xlabel("eigenvalue index (descending)")
        ax.set_ylabel("eigenvalue")
        ax.set_title(f"d = {d}: top eigenvalues")
        ax.legend(fontsize=7)
    ax = axes[0, len(dims)]
    for i, d in enumerate(dims):
        rms = np.sqrt(np.nanmean(grm["err"][i] ** 2, axis=1))
        line = ax.plot(ns, rms, "o-", lw=1.2, label=f"d = {d}: RMS over draws")[0]
        ax.plot(
            ns,
            grm["constant"][i] / np.sqrt(ns),
            "--",
            lw=1.0,
            color=line.get_color(),
            label=f"predicted $C_{d} / \\sqrt{{N}}$, $C_{d}$ = {grm['constant'][i]:.2f}",
        )
    plotting.log_log(
        ax,
        "number of points $N$",
        "$\\|\\lambda/N - \\mu\\|_2 / \\mu_0$ (top eigenvalues)",
        "Gram vs analytic: error",
    )
    ax.set_xticks(ns, [str(int(v)) for v in ns])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7)
    ax = axes[0, len(dims) + 1]
    n = int(ana["circle_points"])
    kk = np.arange(ana["circle_exact"].shape[-1])
    depths = [int(v) for v in ana["depths"]]
    for j, depth in enumerate(depths[:2]):
        for b, name in ((0, "no bias"), (1, "bias")):
            ex = ana["circle_exact"][j, b]
            floor = 1e-12 * np.max(ex)  # the exact zeros (odd k >= 3, depth 1, no bias) are left out
            fh = ana["circle_funk"][j, b]
            line = ax.plot(
                *_positive(kk, np.where(ex > floor, ex, np.nan)),
                "o",
                ms=3,
                label=f"exact, depth {depth}, {name}",
            )[0]
            ax.plot(*_positive(kk, np.where(fh > floor, fh, np.nan)), "-", lw=0.8, color=line.get_color())
    ax.set_yscale("log")
    ax.set_xlabel("harmonic $k$")
    ax.set_ylabel("eigenvalue / n")
    ax.set_title(f"circle, n = {n}: exact (dots) vs Funk-Hecke (lines)")
    ax.legend(fontsize=6)
    io.save_figure(fig, out, meta)


def learning_time(lrn: dict, section: dict, out: str, meta: dict | None = None) -> None:
    """Left: GD steps to an e-fold of the residual of harmonic k (counted, per seed: filled for the
    harmonics the check fits - predicted to e-fold within 80 % of the run and reached in every seed;
    1 / fitted rate, faint), the lazy-limit prediction 1 / (-ln(1 - eta lambda_k)) and a k^2 line;
    right: the residual of each harmonic (seed 0) over the steps, with the linear-theory decay
    exp(-rate_pred t)."""
    import matplotlib.pyplot as plt

    from .spectra_learning import PREDICTED_WITHIN, learned_harmonics

    ks = np.asarray(lrn["harmonics"], dtype=float)
    k_min = section["learning"]["fit_k_min"]
    learned = learned_harmonics(
        ks, lrn["time_efold"], lrn["time_pred"], k_min, int(section["learning"]["steps"])
    )
    fig, axes = plotting.figure(1, 2, width=5.0, height=4.0, layout="constrained")
    ax = axes[0, 0]
    for s in range(lrn["time"].shape[0]):
        ax.plot(
            *_positive(ks, lrn["time"][s]),
            ".",
            ms=3,
            color="0.6",
            label="1 / fitted rate (per seed)" if s == 0 else None,
        )
        ef = np.asarray(lrn["time_efold"][s], dtype=float)
        ax.plot(
            *_positive(ks[learned], ef[learned]),
            "o",
            ms=4,
            color="C0",
            alpha=0.7,
            label="counted e-fold step, fitted harmonics (per seed)" if s == 0 else None,
        )
        ax.plot(
            *_positive(ks[~learned], ef[~learned]),
            "o",
            ms=4,
            mfc="none",
            color="C0",
            alpha=0.7,
            label="counted e-fold step, not fitted (per seed)" if s == 0 else None,
        )
    ax.plot(
        *_positive(ks, _colmean(lrn["time_pred"])),
        "-",
        color="C1",
        label="lazy limit: 1 / (-ln(1 - $\\eta \\lambda_k$))",
    )
    sel = ks >= k_min
    t_ref = float(_colmean(lrn["time_pred"])[sel][0])
    plotting.reference_power_law(ax, ks[sel], ks[sel][0], t_ref, 2.0, label="$\\propto k^2$")
    ax.axhline(float(lrn["steps"][-1]), color="0.5", lw=0.8, ls=":", label="last step of the run")
    ax.axhline(
        PREDICTED_WITHIN * float(lrn["steps"][-1]),
        color="0.5",
        lw=0.8,
        ls="--",
        label=f"fit limit: predicted e-fold within {PREDICTED_WITHIN:.0%} of the run",
    )
    plotting.log_log(ax, "frequency $k$", "GD steps per e-fold of the residual", "Learning time vs frequency")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    steps, r = lrn["steps"], lrn["r"][0]
    colors = plt.get_cmap(plotting.PALETTE)(np.linspace(0, 0.9, ks.size))
    for i, k in enumerate(ks):
        ax.plot(steps, r[:, i] / r[0, i], color=colors[i], lw=1.4, label=f"k = {int(k)}")
        ax.plot(steps, np.exp(-lrn["rate_pred"][0, i] * steps), "--", color=colors[i], lw=0.8)
    ax.set_yscale("log")
    ax.set_ylim(max(1e-6, float(np.nanmin(r / r[:1])) * 0.5), 1.5)
    ax.set_xlabel("GD step")
    ax.set_ylabel("residual of harmonic k / its start")
    ax.set_title("Residual per harmonic (seed 0; dashed: linear theory)")
    ax.legend(fontsize=7, ncol=2)
    io.save_figure(fig, out, meta)
