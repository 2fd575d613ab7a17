"""Stage depth, rule ``depth_summary``: every theory check of the stage (``build_checks``, the
verdict rule of CONTRIBUTING.md) and the tables; the checks and their estimators are listed in
``pipeline.stages.depth``'s docstring. Propagation (chi_1, edge of chaos, xi_c) and non-Gaussianity
checks are here; the large-depth NTK checks in ``depth_ntk_checks``, the activation-kernel ones in
``depth_kernel_checks``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import checks
from ..fits import mean_ci
from .depth_gauss import N_BOOTSTRAP, bootstrap_ratio, kurtosis_ratio
from .depth_kernel_checks import _rel_item_check, quadrature_checks, wide_kernel_check
from .depth_ntk_checks import (  # noqa: F401 - re-exported: tests and depth.py import them from here
    at_asymptote,
    fit_limit,
    limit_estimate,
    ntk_checks,
)
from .depth_theory import (
    STAGE,
    XI_WINDOW,
    activation_of,
    fit_xi,
    xi_deviation,
    xi_fit_layers,
)

MIN_BOOTSTRAP_SEEDS = 8


def chi1_estimates(grad_sq: np.ndarray) -> np.ndarray:
    """Per seed and sw2 the mean over layers of ||delta^l||^2 / ||delta^(l+1)||^2: (S, G, L) -> (S, G)."""
    return (grad_sq[..., :-1] / grad_sq[..., 1:]).mean(-1)


def measured_edge(sw2: np.ndarray, chi: np.ndarray) -> float:
    """The sw2 where the piecewise-linear chi(sw2) first crosses 1 (nan without a crossing)."""
    d = np.asarray(chi) - 1
    for i in range(len(d) - 1):
        if d[i] <= 0 < d[i + 1] or d[i] < 0 <= d[i + 1]:
            return float(sw2[i] + (sw2[i + 1] - sw2[i]) * (-d[i]) / (d[i + 1] - d[i]))
    return math.nan


def chi1_table(theory: dict, nets: dict, ci: float):
    import pandas as pd

    est = chi1_estimates(nets["grad_sq"])
    rows = []
    for i, s in enumerate(theory["sw2"]):
        m = mean_ci(est[:, i], ci)
        rows.append(
            {
                "sigma_w2": float(s),
                "q_star": theory["q_star"][i],
                "c_star": theory["c_star"][i],
                "chi_1": theory["chi_1"][i],
                "chi_c": theory["chi_c"][i],
                "xi_q": theory["xi_q"][i],
                "xi_c": theory["xi_c"][i],
                "p_star": theory["p_star"][i],
                "offdiag_limit": theory["offdiag_limit"][i],
                "chi_1_measured": m["mean"],
                "chi_1_ci_low": m["ci_low"],
                "chi_1_ci_high": m["ci_high"],
            }
        )
    return pd.DataFrame(rows)


def propagation_checks(theory: dict, nets: dict, section: dict, ci: float, seed: int) -> tuple[list, object]:
    import pandas as pd

    prop = section["propagation"]
    act = activation_of(section).label()
    sb2 = section["sigma_b2"]
    table = chi1_table(theory, nets, ci)
    s, n, depth = nets["grad_sq"].shape[0], int(prop["chi1_width"]), int(prop["depth"])
    src = f"Schoenholz et al. 2017 (Sec. 3, eq. 6-9), Poole et al. 2016; {act}, sb2 = {sb2:g}, quadrature"
    items = [
        (f"sw2 {r.sigma_w2:g}", r.chi_1_measured, r.chi_1_ci_low, r.chi_1_ci_high, r.chi_1)
        for r in table.itertuples()
    ]
    out = [
        _rel_item_check(
            "depth_chi1",
            "chi_1 = ||delta^l||^2 / ||delta^(l+1)||^2 per layer",
            items,
            float(prop["chi1_rtol"]),
            f"{ci:.0%} t-interval over {s} seeds (width {n}, depth {depth}, input at q*; nets sampled "
            "exactly by Gaussian conditioning)",
            src + ": chi_1 = sw2 E[phi'(sqrt(q*) z)^2]",
            "chi_1 computed at the wrong sw2 (one grid step, e.g. 1.5 in place of 1.25: -8%) "
            "or at q = 0 fails",
            "the ratio's mean is chi_1 up to O(1/n) (the gradient-independence approximation and the "
            "fluctuation of q^l: measured +1.0% to +1.7% for gelu at sb2 0.1 and n = 500, <= +0.15% at n = "
            f"2000; here n = {n}); 2% is the issue's tolerance",
            "depth/propagation.png",
        )
    ]
    # edge of chaos
    est = chi1_estimates(nets["grad_sq"])
    mean = est.mean(0)
    edge_m = measured_edge(theory["sw2"], mean)
    edges = [measured_edge(theory["sw2"], table[c].to_numpy()) for c in ("chi_1_ci_high", "chi_1_ci_low")]
    step = float(section["theory"]["sigma_w2_step"])
    edge_t = float(theory["edge"])
    out.append(
        checks.prediction_check(
            "depth_edge_of_chaos",
            STAGE,
            quantity="sw2 where chi_1 = 1",
            predicted=edge_t,
            tol=step,
            estimate=edge_m,
            ci_low=min(edges) if all(map(math.isfinite, edges)) else math.nan,
            ci_high=max(edges) if all(map(math.isfinite, edges)) else math.nan,
            interval=f"crossings of the {ci:.0%} t-interval bounds of the measured chi_1 "
            "(linear interpolation on "
            "the sw2 grid)",
            source=f"{src}: chi_1(q*(sw2)) = 1 solved by brentq",
            power=f"an edge two grid steps ({2 * step:g}) from the measured one fails (e.g. erf's edge 1.376 "
            "at sb2 0.05 against tanh's 1.761)",
            tol_source=f"one step of the measured sw2 grid ({step:g}), as the issue specifies",
            figure="depth/propagation.png",
            detail=f"theory edge {edge_t:.4f}, measured {edge_m:.4f}"
            if math.isfinite(edge_t)
            else f"NO EDGE OF CHAOS on the grid {float(theory['sw2'][0]):g}..{float(theory['sw2'][-1]):g}: "
            f"the theory's chi_1 stays {'below' if theory['chi_1'].max() < 1 else 'above'} 1 (max "
            f"{theory['chi_1'].max():.4f}, min {theory['chi_1'].min():.4f}) wherever the length map has a "
            "fixed point (sigmoid: phi' <= 1/4; ReLU-like ones: q* diverges before chi_1 reaches 1), so "
            "there is no value to test; the per-sw2 chi_1 values are checked by depth_chi1",
        )
    )
    # xi_c
    rng = np.random.default_rng([seed, 5])
    xi_rows, items, windows = [], [], []
    pc = nets["pair_corr"]  # (S, X, L, 2P)
    p = pc.shape[-1] // 2
    for i, s2 in enumerate(theory["xi_sw2"]):
        ordered = theory["xi_c_star"][i] >= 1
        layers = xi_fit_layers(prop, theory["xi_xi_c"][i], ordered)
        windows.append(f"sw2 {s2:g}: {layers[0]}-{layers[1]}")

        def est_of(sample, i=i, ordered=ordered, layers=layers):
            m = sample[:, i].mean(0)
            return fit_xi(xi_deviation(m[:, :p].mean(-1), m[:, p:].mean(-1), ordered), layers)

        xi_m = est_of(pc)
        boot = [est_of(pc[rng.integers(0, s, s)]) for _ in range(N_BOOTSTRAP)]
        # a percentile bootstrap over fewer than MIN_BOOTSTRAP_SEEDS seeds has too few distinct
        # resamples to be an interval: no interval, inconclusive
        lo, hi = np.percentile(boot, [2.5, 97.5]) if s >= MIN_BOOTSTRAP_SEEDS else (math.nan, math.nan)
        xi_t = theory["xi_xi_c"][i]
        items.append((f"sw2 {s2:g} ({'ordered' if ordered else 'chaotic'})", xi_m, lo, hi, xi_t))
        xi_rows.append(
            {
                "sigma_w2": float(s2),
                "phase": "ordered" if ordered else "chaotic",
                "c_star": theory["xi_c_star"][i],
                "xi_c": xi_t,
                "xi_estimator_on_theory": theory["xi_on_theory"][i],
                "xi_measured": xi_m,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    bias = ", ".join(
        f"sw2 {r['sigma_w2']:g}: {r['xi_estimator_on_theory']:.3f} vs {r['xi_c']:.3f}" for r in xi_rows
    )
    out.append(
        _rel_item_check(
            "depth_xi_c",
            "xi_c = -1 / ln chi_c* (decay length of |c^l - c*|)",
            items,
            float(prop["xi_rtol"]),
            f"95% bootstrap interval over {s} seeds ({2 * p} input pairs each, width {prop['width']}, fit "
            f"over layers {'; '.join(windows)}: chaotic phase cut at {XI_WINDOW:g} xi_c)",
            src + ": xi_c = -1 / ln(sw2 E[phi'(u) phi'(v)]) at c*",
            "a xi off by 10% fails, e.g. the xi_c of the neighbouring grid sw2 (2.25 or 2.75 in place of "
            "2.5: table depth_theory.csv) or the ordered formula -1 / ln chi_1 at 1.5 in place of 1.25",
            "the issue's +-10%; the estimator applied to the infinite-width trajectories (finite delta "
            f"nonlinearity) gives {bias}",
            "depth/propagation.png",
            detail=f"starts: chaotic c* +- {prop['delta_chaotic']} (at most (1 - c*) / 2; both partners of a "
            f"pair share its anchor: common random numbers), ordered 1 - {prop['delta_ordered']}",
        )
    )
    # the estimator's own bias (finite delta, fit window) measured on the infinite-width trajectories
    worst_bias = max((r["xi_estimator_on_theory"] / r["xi_c"] - 1 for r in xi_rows), key=abs)
    out[-1] = at_asymptote(
        out[-1],
        worst_bias,
        float(prop["xi_rtol"]),
        "a smaller propagation.delta_chaotic or a fit window farther from the start resolves it",
    )
    return out, table, pd.DataFrame(xi_rows)


def nongauss_checks(gauss: dict, section: dict, ci: float, seed: int) -> tuple[list, object]:
    import pandas as pd

    ng = section["nongauss"]
    widths = [int(w) for w in gauss["widths"]]
    rows, ratio_items, var_items = [], [], []
    q1 = float(ng["q1"])
    for wi, w in enumerate(widths):
        s2 = gauss["s2_relu"][wi]
        s2t = gauss["s2_act"][wi]
        lo, hi = bootstrap_ratio(s2, seed + wi)
        r = kurtosis_ratio(s2)
        rt = kurtosis_ratio(s2t)
        tlo, thi = bootstrap_ratio(s2t, seed + 100 + wi)
        for d in range(s2.shape[1]):
            pred = (1 + 5 / w) ** (d + 1)
            m = mean_ci(s2[:, d], ci)
            rows.append(
                {
                    "width": w,
                    "depth": d + 1,
                    "ratio_relu": r[d],
                    "ci_low": lo[d],
                    "ci_high": hi[d],
                    "predicted": pred,
                    "variance_relu": m["mean"],
                    "variance_nngp": q1,
                    "ratio_act": rt[d],
                    "act_ci_low": tlo[d],
                    "act_ci_high": thi[d],
                }
            )
            ratio_items.append((f"width {w} depth {d + 1}", r[d], lo[d], hi[d], pred))
            var_items.append((f"width {w} depth {d + 1}", m["mean"], m["ci_low"], m["ci_high"], q1))
    nets = gauss["s2_relu"].shape[1]
    src = "Hanin & Rolnick 2018, Hanin 2018: each hidden layer multiplies the squared activation norm by an "
    src += "independent factor of mean 1 and second moment 1 + 5/n (E relu(g)^2 = 1/2, E relu(g)^4 = 3/2)"
    tol = float(ng["rtol"])
    out = [
        _rel_item_check(
            "depth_nongauss_product",
            "E[f^4] / (3 E[f^2]^2) = prod_l (1 + 5 / n_l) (bias-free ReLU, He init)",
            ratio_items,
            tol,
            f"95% bootstrap interval over {nets} independent nets",
            src,
            "a Gaussian output (ratio 1) fails at width 16 (prediction 1.31-2.97), and so does the "
            "1 + 5 L / n first-order form at width 16, depth 4 (2.25 vs 2.97)",
            f"the issue's +-{tol:.0%}; the formula is exact (no finite-size bias), the interval is the "
            "Monte-Carlo error; estimator E[s^4] / E[s^2]^2 with s^2 = 2/n ||relu(h^L)||^2 the read-out's "
            "conditional variance (f | hidden layers ~ N(0, s^2) exactly, so E[f^4] = 3 E[s^4])",
            "depth/nongauss.png",
        ),
        _rel_item_check(
            "depth_nngp_variance",
            "E[f^2] = the NNGP variance q1 (He ReLU keeps q constant)",
            var_items,
            tol,
            f"{ci:.0%} t-interval over {nets} independent nets",
            "Neal 1996, Lee et al. 2018: the NNGP variance of a bias-free He ReLU net is its first layer's "
            f"q1 = {q1:g} at every depth, exactly in expectation at any width (Hanin 2018)",
            "the NNGP variance of a wrong sw2 (e.g. 1.9 at depth 4: -19%) fails",
            f"the issue's +-{tol:.0%} as for the product",
            "depth/nongauss.png",
        ),
    ]
    return out, pd.DataFrame(rows)


def build_checks(theory: dict, nets: dict, gauss: dict, section: dict, seed: int):
    """Every check of the stage, and the tables {name: DataFrame}."""
    ci = float(section["ci"])
    out = quadrature_checks(theory, section)
    out.append(wide_kernel_check(theory, section, ci))
    prop, t_theory, t_xi = propagation_checks(theory, nets, section, ci, seed)
    out += prop
    ntk, t_ntk = ntk_checks(theory, nets, section, ci, seed=seed)
    out += ntk
    ng, t_ng = nongauss_checks(gauss, section, ci, seed)
    out += ng
    return out, {"theory": t_theory, "xi": t_xi, "ntk": t_ntk, "nongauss": t_ng}
