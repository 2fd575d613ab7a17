"""Stage depth, rule ``depth_summary``: the activation-kernel checks (the quadrature identities
``activation_quadrature_closed_form`` / ``activation_quadrature_converged``, the recursion identity
``depth_ntk_recursion``, the wide-layer prediction ``activation_wide_kernel``), their tables, and the
relative-item check helper the other depth checks share. See ``pipeline.stages.depth``.
"""

from __future__ import annotations

import math

from .. import activations, checks
from ..fits import combine_verdicts, mean_ci, verdict_from_ci
from .depth_theory import CLOSED_SMOOTH, QUAD_ONLY, RECURSION_ACTS, RECURSION_TOL, STAGE, WIDE_COVARIANCES


def _rel_item_check(check, quantity, items, rtol, interval, source, power, tol_source, figure, detail=""):
    """One prediction over several items (name, estimate, lo, hi, predicted[, scale]): each relative
    deviation (estimate - predicted) / scale (scale = |predicted| unless given) within +-rtol;
    combined verdict; the worst item is reported."""
    rows = []
    for item in items:
        name, est, lo, hi, pred = item[:5]
        scale = item[5] if len(item) > 5 else abs(pred)
        d, dl, dh = ((v - pred) / scale for v in (est, lo, hi))
        rows.append((name, d, dl, dh, pred, est, verdict_from_ci(dl, dh, -rtol, rtol)))
    worst = max(rows, key=lambda r: max(abs(r[2]), abs(r[3])) if math.isfinite(r[2]) else math.inf)
    per = "; ".join(
        f"{r[0]}: {r[5]:.5g} vs {r[4]:.5g} ({r[1]:+.2%} [{r[2]:+.2%}, {r[3]:+.2%}]) {r[6]}" for r in rows
    )
    text = (f"{detail}; " if detail else "") + f"per item: {per}. Source: {source}. Tolerance: {tol_source}"
    return checks.Check(
        check,
        STAGE,
        f"{quantity}: relative deviation = 0 for every item",
        float(worst[1]),
        f"|relative deviation| <= {rtol:g} over the whole interval, every item",
        verdict=combine_verdicts(r[6] for r in rows),
        ci_low=float(worst[2]),
        ci_high=float(worst[3]),
        interval=f"{interval}; the item farthest from 0 ({worst[0]})",
        power=power,
        figure=figure,
        detail=text,
    )


def quadrature_checks(theory: dict, section: dict) -> list[checks.Check]:
    qd = section["quadrature"]
    rtol, order = float(qd["rtol"]), int(qd["order"])
    orders = [int(o) for o in theory["orders"]]
    j = orders.index(order) if order in orders else len(orders) - 1
    names = list(activations.NAMES)
    err = theory["quad_err"][:, :, j].max(1)
    out = []
    for cid, group, what in (
        ("activation_quadrature_closed_form", CLOSED_SMOOTH, "the closed form"),
        ("activation_quadrature_converged", QUAD_ONLY, f"the order-{qd['reference_order']} rule"),
    ):
        errs = {nm: float(err[names.index(nm)]) for nm in group}
        worst = max(errs.values())
        out.append(
            checks.Check(
                cid,
                STAGE,
                f"order-{orders[j]} Gauss-Hermite dual kernels (k and kdot) equal {what}",
                worst,
                f"max relative error <= {rtol:g} on the study grid (q up to {theory['quad_q_max']:.3g}, "
                "c in [-0.99, 0.999])",
                passed=worst <= rtol,
                kind="identity",
                figure="depth/quadrature.png",
                detail="max relative error per activation: "
                + ", ".join(f"{k} {v:.1e}" for k, v in errs.items())
                + f". The kinked relu / leaky_relu / abs converge algebraically (order {orders[j]}: "
                + ", ".join(f"{nm} {err[names.index(nm)]:.1e}" for nm in activations.KINKED)
                + ") and are always evaluated by their closed forms (dual_kernels.dual, method auto)",
            )
        )
    rec = theory["recursion_err"]
    out.append(
        checks.Check(
            "depth_ntk_recursion",
            STAGE,
            "signal_propagation.ntk_recursion (dual kernels) equals ntk_analytic.limit_kernels "
            f"({', '.join(RECURSION_ACTS)})",
            float(rec.max()),
            f"max relative error <= {RECURSION_TOL:g}",
            passed=bool(rec.max() <= RECURSION_TOL),
            kind="identity",
            detail="depth 3, sw2 1.7, sb2 0.2, two inputs in R^3: "
            + ", ".join(f"{n} {e:.1e}" for n, e in zip(RECURSION_ACTS, rec))
            + " (tanh, gelu: the same Gauss-Hermite rule in numpy and in jnp)",
        )
    )
    return out


def wide_kernel_check(theory: dict, section: dict, ci: float) -> checks.Check:
    wk = section["wide_kernel"]
    emp, pred = theory["wide_emp"], theory["wide_pred"]
    items = []
    for a, name in enumerate(activations.NAMES):
        for j, (q1, q2, c) in enumerate(WIDE_COVARIANCES):
            for k, kname in enumerate(("k", "kdot")):
                m = mean_ci(emp[a, j, k], ci)
                items.append(
                    (
                        f"{name} {kname} (q1 {q1}, q2 {q2}, c {c})",
                        m["mean"],
                        m["ci_low"],
                        m["ci_high"],
                        pred[a, j, k],
                        theory["wide_scale"][a, j, k],
                    )
                )
    s, n = emp.shape[-1], int(wk["width"])
    return _rel_item_check(
        "activation_wide_kernel",
        "empirical dual kernels of a wide layer vs the quadrature / closed form",
        items,
        float(wk["rtol"]),
        f"{ci:.0%} t-interval over {s} seeds of width {n}",
        "the infinite-width limit of (1/n) sum_i phi(u_i) phi(v_i) is E[phi(u) phi(v)] "
        "(law of large numbers; "
        "Neal 1996, Lee et al. 2018), and of the phi' products E[phi'(u) phi'(v)] (Jacot et al. 2018)",
        "a kernel off by 1% or more fails, e.g. the erf kernel at the wrong scale in place of tanh's, or a "
        "quadrature of order 8 for tanh at q = 1.5 (error ~3e-2)",
        f"the Monte-Carlo interval at {s} x {n} samples is ~+-0.2% of the scale; 1% separates a wrong "
        "kernel from that noise",
        "",
        detail="deviation relative to the Cauchy-Schwarz scale sqrt(k(q1, q1) k(q2, q2)) of each kernel "
        "(a relative error of a value near 0, e.g. relu k at c = -0.4, would measure nothing)",
    )


def quadrature_table(theory: dict):
    import pandas as pd

    rows = []
    for a, name in enumerate(activations.NAMES):
        for j, o in enumerate(theory["orders"]):
            rows.append(
                {
                    "activation": name,
                    "order": int(o),
                    "err_k": theory["quad_err"][a, 0, j],
                    "err_kdot": theory["quad_err"][a, 1, j],
                    "reference": "closed form" if activations.get(name).closed_form else "high order",
                    "q_max": theory["quad_q_max"],
                }
            )
    return pd.DataFrame(rows)


def wide_table(theory: dict, ci: float):
    import pandas as pd

    rows = []
    for a, name in enumerate(activations.NAMES):
        for j, (q1, q2, c) in enumerate(WIDE_COVARIANCES):
            for k, kname in enumerate(("k", "kdot")):
                m = mean_ci(theory["wide_emp"][a, j, k], ci)
                rows.append(
                    {
                        "activation": name,
                        "q1": q1,
                        "q2": q2,
                        "c": c,
                        "kernel": kname,
                        "predicted": theory["wide_pred"][a, j, k],
                        "measured": m["mean"],
                        "ci_low": m["ci_low"],
                        "ci_high": m["ci_high"],
                    }
                )
    return pd.DataFrame(rows)
