"""Stage regimes: lazy vs rich training, and the NTK / standard / muP parameterisations.

Modules: ``regimes`` (this one: rule entries and the summary), ``regimes_common`` (loaders, random
draws, MLP specs, compile helpers), ``regimes_lazy`` (alpha sweep, teacher-student),
``regimes_mup`` (width sweep, coordinate check, learning-rate transfer), ``regimes_checks`` (the
theory checks, pure functions), ``regimes_lr_check`` (the learning-rate transfer's estimator and
check), ``regimes_tables``, ``regimes_plots``.

Jobs (workflow/rules/regimes.smk), each one process with its seeds (and sweep values) vmapped:

- ``regimes_circle`` -> ``regimes_lazy.alpha_sweep`` (output scale alpha, Chizat, Oyallon & Bach
  2019: the centred two-layer ReLU net alpha (f(w) - f(w0)) on L / alpha^2, circle task; arrays
  (A, S)) and ``regimes_mup.width_sweep`` (one-hidden-layer net per parameterisation and width;
  (P, W, S)).
- ``regimes_mup`` -> ``regimes_mup.coord_check`` (microsoft/mup's coordinate check on one batch of
  the 8x8 digits; (P, O, W, S, steps, layers)) and ``regimes_mup.lr_transfer`` twice (training loss
  averaged over the last quarter of a fixed budget vs base learning rate 2^k; (P, W, L, S)): the
  checked sweep (Adam by default, lr.npz) and the SGD sweep reported beside it (lr_sgd.npz).
- ``regimes_teacher`` -> ``regimes_lazy.teacher_student`` (Chizat et al.'s shallow experiment:
  test loss vs initialisation scale tau; (T, R)).
- ``regimes_summary`` -> ``summarize``: tables, theory checks and figures.

Tables (results/tables/): regimes_alpha.csv (alpha, seed, w_rel, w_rel_first, k_rel, lin_gap,
pattern_frac, train_loss, test_loss, converged, first_converged_step), regimes_width.csv
(parameterization, width, seed, eta, a_rel, h_rel, train_loss, diverged), regimes_coord.csv
(parameterization, optimizer, width, seed, step, layer, mean_abs), regimes_lr.csv (optimizer,
parameterization, width, log2_lr, seed, train_loss), regimes_teacher.csv (tau, trial,
test_loss_final, test_loss_best, train_loss_final),
regimes_exponents.csv (every fitted slope: experiment, quantity, exponent, CI, n, x range).

Checks (results/checks/regimes.csv; ``regimes_checks`` states each prediction, tolerance and
source): alpha_lazy_exponent (-1 over the lazy alphas), ntk_feature_exponent (-1/2 over the lazy
widths), mup_feature_exponent (0), standard_feature_exponent (-3/2, with ``standard_lr:
inverse_width``), mup_coord_check (slope 0 for every curve), mup_lr_transfer (slope of the optimal
log2 lr vs log2 width 0), rich_beats_lazy (a sign), and the identity mup_is_standard_at_base_width.

Cost at the default (one core of the shared 2-core machine, snakemake --cores 1): circle 17 s
(alpha sweep 6 s, width sweep 10 s), mup 54 s (coordinate check 11 s, Adam transfer 28 s, SGD
sweep 15 s), teacher 6 s, summary 10 s: 87 s in sequence; with 2 cores the mup job runs beside the
others (``pipeline.cost_model``).
"""

from __future__ import annotations

import time

import numpy as np

from .. import io, provenance
from ..checks import log_check, write_checks
from ..fits import fit_exponent
from ..progress import get_logger
from . import regimes_checks as K
from . import regimes_tables as T
from .regimes_common import STAGE, alpha_values, load_circle
from .regimes_lazy import alpha_sweep, teacher_student
from .regimes_mup import coord_check, lr_transfer, width_sweep

__all__ = ["STAGE", "rule_circle", "rule_mup", "rule_teacher", "rule_summary", "summarize"]


def _save(out: str, arrays: dict, section: dict, rule: str, config, **extra) -> None:
    io.save_npz(out, arrays, meta=provenance.metadata(section, rule=rule, full_config=config, **extra))


def _timed(log_to, what: str, fn, *args, **kwargs):
    t0, c0 = time.perf_counter(), time.process_time()
    res = fn(*args, **kwargs)
    log_to.info(f"{what}: {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU")
    return res


def rule_circle(*, input, output, params, wildcards, log, config) -> None:
    """Rule regimes_circle: the alpha sweep and the width sweep on the circle task."""
    sec, logger = params.section, get_logger("regimes.circle", log)
    data = load_circle(input.data)
    a = sec["alpha"]
    res = _timed(
        logger,
        "alpha sweep",
        alpha_sweep,
        data,
        a["width"],
        alpha_values(a),
        sec["seeds"],
        a["steps"],
        a["lr"],
        params.seed,
        a["rich_alpha"],
        a["converge_fraction"],
    )
    for i, al in enumerate(res["alphas"]):
        logger.info(
            f"alpha {al:.3g}: w_rel {res['w_rel'][i].mean():.3g}, k_rel {res['k_rel'][i].mean():.3g}, "
            f"lin_gap {res['lin_gap'][i].mean():.3g}, pattern {res['pattern_frac'][i].mean():.3g}, "
            f"train {res['train_loss'][i].mean():.3g}, test {res['test_loss'][i].mean():.3g}, "
            f"converged {int(res['converged'][i].sum())}/{res['converged'].shape[1]}"
        )
    _save(output.alpha, res, sec, "regimes_circle", config, seed=params.seed)
    w = sec["width"]
    res = _timed(
        logger,
        "width sweep",
        width_sweep,
        data,
        list(w["parameterizations"]),
        w["widths"],
        sec["seeds"],
        w["steps"],
        dict(w["lr"]),
        w["standard_lr"],
        params.seed,
        logger=logger,
        mup_base_width=w["mup_base_width"],
    )
    _save(output.width, res, sec, "regimes_circle", config, seed=params.seed)


def rule_mup(*, input, output, params, wildcards, log, config) -> None:
    """Rule regimes_mup: the coordinate check and the learning-rate transfer on the digits."""
    sec, logger = params.section, get_logger("regimes.mup", log)
    c = sec["coord"]
    res = _timed(
        logger,
        "coordinate check",
        coord_check,
        list(c["parameterizations"]),
        list(c["optimizers"]),
        [2**k for k in range(c["log2_width_min"], c["log2_width_max"] + 1)],
        c["depth"],
        c["seeds"],
        c["batch"],
        c["steps"],
        c["lr"],
        c["mup_readout_zero"],
        params.seed,
    )
    _save(output.coord, res, sec, "regimes_mup", config, seed=params.seed)
    r = sec["lr_transfer"]
    for out, opt, grid, n_seeds, salt in (
        (output.lr, r["optimizer"], r, r["seeds"], 0),
        (output.lr_sgd, "sgd", r["sgd_reference"], r["sgd_reference"]["seeds"], 1),
    ):
        log2_lrs = np.arange(grid["log2_lr_min"], grid["log2_lr_max"] + 1e-9, r["log2_lr_step"])
        res = _timed(
            logger,
            f"lr transfer ({opt})",
            lr_transfer,
            list(r["parameterizations"]),
            r["widths"],
            r["depth"],
            log2_lrs,
            n_seeds,
            r["steps"],
            r["batch"],
            opt,
            params.seed,
            logger=logger,
            salt=salt,
            base_width=r["base_width"],
        )
        _save(out, res, sec, "regimes_mup", config, seed=params.seed)


def rule_teacher(*, input, output, params, wildcards, log, config) -> None:
    """Rule regimes_teacher: test loss vs initialisation scale tau (Chizat et al.'s shallow experiment)."""
    sec, logger = params.section, get_logger("regimes.teacher", log)
    t = sec["teacher"]
    taus = np.linspace(t["log10_tau_min"], t["log10_tau_max"], t["n_tau"])
    res = _timed(
        logger,
        "teacher-student",
        teacher_student,
        t["dim"],
        t["n_train"],
        t["n_test"],
        t["teacher_units"],
        t["student_units"],
        taus,
        t["trials"],
        t["steps"],
        t["eval_every"],
        t["max_step"],
        t["step_coef"],
        params.seed,
    )
    for i, tau in enumerate(res["taus"]):
        logger.info(
            f"tau {tau:.3g}: test final {res['test_loss_final'][i].mean():.4g}, best "
            f"{res['test_loss_best'][i].mean():.4g}, train {res['train_loss_final'][i].mean():.4g}"
        )
    _save(output.teacher, res, sec, "regimes_teacher", config, seed=params.seed)


def _exponent_row(experiment: str, what: str, fit: dict, x) -> dict:
    return {
        "experiment": experiment,
        "quantity": what,
        "exponent": fit["exponent"],
        "ci_low": fit["ci_low"],
        "ci_high": fit["ci_high"],
        "n_seeds": fit["n_seeds"],
        "x_min": float(np.min(x)),
        "x_max": float(np.max(x)),
    }


def _alpha_checks(a: dict, section: dict, ci: float, exps: list) -> tuple[list, dict]:
    conv = np.asarray(a["converged"], bool) if "converged" in a else None
    c, fit = K.check_alpha_lazy(
        a["alphas"], a["w_rel"], a["k_rel"], section["alpha"]["lazy_max_kernel_change"], ci, converged=conv
    )
    lazy = np.asarray(fit.get("alphas", []), float)
    if len(lazy) >= 2:
        use = np.isin(a["alphas"], lazy)
        exps.append(_exponent_row("alpha", "w_rel (lazy converged alphas)", fit, lazy))
        for q in ("k_rel", "lin_gap"):  # measured, not checked (ReLU pattern flips: see the caption)
            v = np.where(conv[use], a[q][use], np.nan) if conv is not None else a[q][use]
            exps.append(
                _exponent_row("alpha", f"{q} (lazy converged alphas)", fit_exponent(lazy, v.T, ci), lazy)
            )
    return [c], fit


def _width_checks(w: dict, section: dict, ci: float, exps: list) -> tuple[list, dict]:
    params = [str(p) for p in w["params"]]
    fits = {}
    for i, p in enumerate(params):
        for q in ("a_rel", "h_rel"):
            fits[p, q] = fit_exponent(w["widths"], w[q][i].T, ci)
            exps.append(_exponent_row(f"width/{p}", f"{q} (every width)", fits[p, q], w["widths"]))
    checked = ["ntk", "mup"] + (["standard"] if section["width"]["standard_lr"] == "inverse_width" else [])
    cks = []
    for p in checked:
        if p in params:
            i = params.index(p)
            c, fit = K.check_feature_exponent(
                p,
                w["widths"],
                w["h_rel"][i],
                ci,
                section["width"]["lazy_max_feature_change"],
                other=f"; first-layer weight change slope (every width) {fits[p, 'a_rel']['exponent']:.3f}",
                ntk_h_rel=w["h_rel"][params.index("ntk")] if "ntk" in params else None,
            )
            cks.append(c)
    return cks, fits


def summarize(
    paths: dict, section: dict, outputs: dict, log: str | None = None, config: dict | None = None
) -> list:
    """Rule regimes_summary: tables, checks and figures from the experiments' npz files (``paths``
    keyed alpha / width / coord / lr / teacher; a missing key skips that experiment)."""
    import pandas as pd

    from . import regimes_plots

    logger = get_logger("regimes.summary", log)
    ci = section["ci"]
    meta = provenance.metadata(section, rule="regimes_summary", full_config=config)
    load = {k: io.load_npz(p) for k, p in paths.items()}
    cks, exps = [], []
    if "alpha" in load:
        a = load["alpha"]
        io.save_table(outputs["table_alpha"], T.alpha_table(a), meta=meta)
        c, fit = _alpha_checks(a, section, ci, exps)
        cks += c
        regimes_plots.alpha_sweep(a, fit, outputs["fig_alpha"], meta)
    if "width" in load:
        w = load["width"]
        io.save_table(outputs["table_width"], T.width_table(w), meta=meta)
        c, fits = _width_checks(w, section, ci, exps)
        cks += c
        regimes_plots.width_sweep(w, fits, outputs["fig_width"], meta)
    if "coord" in load:
        c = load["coord"]
        io.save_table(outputs["table_coord"], T.coord_table(c), meta=meta)
        params = [str(p) for p in c["params"]]
        opts = [str(o) for o in c["optimizers"]]
        for i, p in enumerate(params):
            for r in K.coord_slopes(c["widths"], c["mean_abs"][i], ci):
                exps.append(
                    _exponent_row(
                        f"coord/{p}/{opts[r['opt']]}", f"layer {r['layer']} step last", r, c["widths"]
                    )
                )
        if "mup" in params:
            std = c["mean_abs"][params.index("standard")] if "standard" in params else None
            cks.append(K.check_coord(c["widths"], c["mean_abs"][params.index("mup")], std, opts, ci))
        regimes_plots.coord_check(c, outputs["fig_coord"], meta)
    if "lr" in load:
        r = load["lr"]
        sweeps = [r] + ([load["lr_sgd"]] if "lr_sgd" in load else [])
        io.save_table(outputs["table_lr"], T.lr_table(sweeps), meta=meta)
        params = [str(p) for p in r["params"]]
        if "mup" in params:
            std = r["train_loss"][params.index("standard")] if "standard" in params else None
            cks.append(
                K.check_lr_transfer(
                    r["widths"],
                    r["log2_lrs"],
                    r["train_loss"][params.index("mup")],
                    std,
                    ci,
                    optimizer=str(r["optimizer"]),
                    seed=int((config or {}).get("seed", 0)),
                    n_boot=int(section["lr_transfer"]["bootstrap"]),
                    base_width=int(r["base_width"]) if "base_width" in r else None,
                )
            )
        for sw in sweeps:  # the optimum's slope per parameterisation, reported (the SGD sweep: not checked)
            for i, p in enumerate(params):
                f = K.lr_optimum_slope(  # the check's bootstrap draws: seed (muP), seed + 1 (standard)
                    sw["widths"],
                    sw["log2_lrs"],
                    sw["train_loss"][i],
                    ci,
                    int(section["lr_transfer"]["bootstrap"]),
                    int((config or {}).get("seed", 0)) + (p == "standard"),
                )
                exps.append(
                    {
                        "experiment": f"lr/{p}/{sw['optimizer']}",
                        "quantity": "optimal log2 lr vs log2 width (bootstrap over seeds)",
                        "exponent": f["mean"],
                        "ci_low": f["ci_low"],
                        "ci_high": f["ci_high"],
                        "n_seeds": f["n_seeds"],
                        "x_min": float(np.min(sw["widths"])),
                        "x_max": float(np.max(sw["widths"])),
                    }
                )
        regimes_plots.lr_transfer(sweeps, outputs["fig_lr"], meta)
    if "teacher" in load:
        t = load["teacher"]
        io.save_table(outputs["table_teacher"], T.teacher_table(t), meta=meta)
        cks.append(K.check_rich_beats_lazy(t["taus"], t["test_loss_final"], ci))
        regimes_plots.teacher_student(t, outputs["fig_teacher"], meta)
    pairs = _base_pairs(load)
    if pairs:
        cks.append(K.check_mup_base_identity(pairs))
    io.save_table(outputs["exponents"], pd.DataFrame(exps), meta=meta, markdown=True)
    write_checks(outputs["checks"], cks, meta=meta)
    for c in cks:
        log_check(logger, c)
    return cks


def _base_pairs(load: dict) -> dict:
    """(muP, standard) arrays at muP's base width in the width sweep and the learning-rate transfer,
    where both were run and the base width is one of the widths."""
    pairs = {}
    for key, q, base in (("width", "h_rel", "mup_base_width"), ("lr", "train_loss", "base_width")):
        if key in load:
            d = load[key]
            params = [str(p) for p in d["params"]]
            widths = [int(w) for w in d["widths"]]
            b = int(d[base]) if base in d else widths[0]
            if "mup" in params and "standard" in params and b in widths:
                arr, j = d[q], widths.index(b)
                pairs[f"{key} {q} (width {b})"] = (
                    arr[params.index("mup"), j],
                    arr[params.index("standard"), j],
                )
    return pairs


EXPERIMENTS = ("alpha", "width", "coord", "lr", "lr_sgd", "teacher")


def rule_summary(*, input, output, params, wildcards, log, config) -> None:
    paths = {k: getattr(input, k) for k in EXPERIMENTS if hasattr(input, k)}
    outs = {k: getattr(output, k) for k in output.keys()}
    summarize(paths, params.section, outs, log, config)
