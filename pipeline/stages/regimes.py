"""Stage regimes: lazy vs rich training, and the NTK / standard / muP parameterisations.

Modules: ``regimes`` (this one: rule entries and the summary), ``regimes_common`` (loaders, random
draws, MLP specs, compile helpers), ``regimes_lazy`` (alpha sweep, teacher-student),
``regimes_mup`` (width sweep, coordinate check, learning-rate transfer), ``regimes_checks`` (the
theory checks, pure functions), ``regimes_tables``, ``regimes_plots``.

Jobs (workflow/rules/regimes.smk), each one process with its seeds (and sweep values) vmapped:

- ``regimes_circle`` -> ``regimes_lazy.alpha_sweep`` (output scale alpha, Chizat, Oyallon & Bach
  2019: the centred two-layer ReLU net alpha (f(w) - f(w0)) on L / alpha^2, circle task; arrays
  (A, S)) and ``regimes_mup.width_sweep`` (one-hidden-layer net per parameterisation and width;
  (P, W, S)).
- ``regimes_mup`` -> ``regimes_mup.coord_check`` (microsoft/mup's coordinate check on one batch of
  the 8x8 digits; (P, O, W, S, steps, layers)) and ``regimes_mup.lr_transfer`` (training loss after
  a fixed budget vs base learning rate 2^k; (P, W, L, S)).
- ``regimes_teacher`` -> ``regimes_lazy.teacher_student`` (Chizat et al.'s shallow experiment:
  test loss vs initialisation scale tau; (T, R)).
- ``regimes_summary`` -> ``summarize``: tables, theory checks and figures.

Tables (results/tables/): regimes_alpha.csv (alpha, seed, w_rel, w_rel_first, k_rel, lin_gap,
pattern_frac, train_loss, test_loss), regimes_width.csv (parameterization, width, seed, eta, a_rel,
h_rel, train_loss, diverged), regimes_coord.csv (parameterization, optimizer, width, seed, step,
layer, mean_abs), regimes_lr.csv (parameterization, width, log2_lr, seed, train_loss),
regimes_teacher.csv (tau, trial, test_loss_final, test_loss_best, train_loss_final),
regimes_exponents.csv (every fitted slope: experiment, quantity, exponent, CI, n, x range).

Checks (results/checks/regimes.csv; ``regimes_checks`` states each prediction, tolerance and
source): alpha_lazy_exponent (-1 over the lazy alphas), ntk_feature_exponent (-1/2 over the lazy
widths), mup_feature_exponent (0), standard_feature_exponent (-3/2, with ``standard_lr:
inverse_width``), mup_coord_check (slope 0 for every curve), mup_lr_transfer (slope of the optimal
log2 lr vs log2 width 0), rich_beats_lazy (a sign), and the identity mup_is_standard_at_base_width.

Cost at the default: about 10 s (circle), 26 s (mup), 5.5 s (teacher) and 4.5 s (summary) of one CPU
core each: XLA compilation, and for mup the 8-seed x 8-lr grid of the transfer (``pipeline.cost_model``).
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
    )
    for i, al in enumerate(res["alphas"]):
        logger.info(
            f"alpha {al:.3g}: w_rel {res['w_rel'][i].mean():.3g}, k_rel {res['k_rel'][i].mean():.3g}, "
            f"lin_gap {res['lin_gap'][i].mean():.3g}, pattern {res['pattern_frac'][i].mean():.3g}, "
            f"train {res['train_loss'][i].mean():.3g}, test {res['test_loss'][i].mean():.3g}"
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
        w["lr"],
        w["standard_lr"],
        params.seed,
        logger=logger,
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
    log2_lrs = np.arange(r["log2_lr_min"], r["log2_lr_max"] + 1e-9, r["log2_lr_step"])
    res = _timed(
        logger,
        "lr transfer",
        lr_transfer,
        list(r["parameterizations"]),
        r["widths"],
        r["depth"],
        log2_lrs,
        r["seeds"],
        r["steps"],
        r["batch"],
        r["optimizer"],
        params.seed,
        r["eval_points"],
        logger=logger,
    )
    _save(output.lr, res, sec, "regimes_mup", config, seed=params.seed)


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
    c, fit = K.check_alpha_lazy(
        a["alphas"], a["w_rel"], a["k_rel"], section["alpha"]["lazy_max_kernel_change"], ci
    )
    lazy = np.asarray(fit.get("alphas", []), float)
    if len(lazy) >= 2:
        use = np.isin(a["alphas"], lazy)
        exps.append(_exponent_row("alpha", "w_rel (lazy alphas)", fit, lazy))
        for q in ("k_rel", "lin_gap"):  # measured, not checked (ReLU pattern flips: see the caption)
            exps.append(
                _exponent_row("alpha", f"{q} (lazy alphas)", fit_exponent(lazy, a[q][use].T, ci), lazy)
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
        io.save_table(outputs["table_lr"], T.lr_table(r), meta=meta)
        params = [str(p) for p in r["params"]]
        if "mup" in params:
            std = r["train_loss"][params.index("standard")] if "standard" in params else None
            cks.append(
                K.check_lr_transfer(r["widths"], r["log2_lrs"], r["train_loss"][params.index("mup")], std, ci)
            )
        regimes_plots.lr_transfer(r, outputs["fig_lr"], meta)
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
    """(muP, standard) arrays at the base width (the smallest) of the width sweep and the
    learning-rate transfer, where both were run."""
    pairs = {}
    for key, q in (("width", "h_rel"), ("lr", "train_loss")):
        if key in load:
            params = [str(p) for p in load[key]["params"]]
            if "mup" in params and "standard" in params:
                arr = load[key][q]
                pairs[f"{key} {q}"] = (arr[params.index("mup"), 0], arr[params.index("standard"), 0])
    return pairs


EXPERIMENTS = ("alpha", "width", "coord", "lr", "teacher")


def rule_summary(*, input, output, params, wildcards, log, config) -> None:
    paths = {k: getattr(input, k) for k in EXPERIMENTS if hasattr(input, k)}
    outs = {k: getattr(output, k) for k in output.keys()}
    summarize(paths, params.section, outs, log, config)
