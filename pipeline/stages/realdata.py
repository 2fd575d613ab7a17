"""Stage realdata: real data (scikit-learn's bundled sets). The data rule, the summary (tables,
checks, figures) and the rule entry points; the experiments live in their own modules:

- ``realdata_fig3``: Jacot et al. 2018 Figure 3 (kernel PCA of the NTK, the GD path in function
  space) on a two-class digits subset where f^(2) is defined; rule ``realdata_fig3``.
- ``realdata_regression``: NTK / NNGP regression vs trained nets vs scikit-learn baselines on the
  standardised features (Arora et al. 2020 style); rule ``realdata_regression`` (one job per set).
- ``realdata_common``: the nets, analytic kernels, numpy initialisation and per-seed-target GD they
  share; ``realdata_plots``: the figures.

Rules (workflow/rules/realdata.smk; data and fig3 are one job each, not one per set or width: a
job's start costs more than their compute at the default sizes):

- ``realdata_data`` -> ``make_data``: results/realdata/data/<set>.npz (+ sidecar) for every set:
  the seeded split and the standardised features of ``pipeline.real_datasets``.
- ``realdata_fig3`` -> ``realdata_fig3.fig3``: results/realdata/fig3.npz.
- ``realdata_regression`` -> ``realdata_regression.regression``: results/realdata/regression_<set>.npz.
- ``realdata_summary`` -> ``summarize``:

  - results/tables/realdata_datasets.csv: name, task, n_train, n_test, d_in, classes, preprocessing.
  - results/tables/realdata_pca_eigenvalues.csv: component, eigenvalue (of K/N), fraction of the
    trace, the paper's MNIST value (components 1-3).
  - results/tables/realdata_fig3.csv: one row per (width, trial) (``realdata_fig3.fig3_table``).
  - results/tables/realdata_accuracy.csv: one row per (data set, method, input convention, depth,
    width): test score mean, std, n_runs, CV mean / std, ridge, loss ratio, converged;
    realdata_accuracy_summary.csv: data set x method ("mean +- std", unconverged nets marked).
  - results/tables/realdata_net_gap.csv: one row per (data set, width, seed): gap to the NTK
    predictor after T steps, gap to the ridge -> 0 regression, train loss ratio, test score.
  - results/checks/realdata.csv: ``pc_straight_line``, ``pc_training_deviation``, ``pc_decay_rate``,
    ``wide_net_matches_ntk_regression``.
  - results/figures/realdata/kernel_pca.png, function_path.png, regression.png (``realdata_plots``).

Randomness: the split and subsamples use ``seed``; seed s of the nets of width m is drawn from
numpy's default_rng([seed, m, STAGE_SALT, s]) (fig3) or default_rng([seed, m, set index + 1,
STAGE_SALT, s]) (regression), so every draw is independent and the same config gives the same numbers.
"""

from __future__ import annotations

import json

import numpy as np

from .. import checks, io, provenance, real_datasets
from ..progress import get_logger
from . import realdata_fig3, realdata_regression

# --- rule realdata_data ------------------------------------------------------------------------


def make_data(
    names, section: dict, seed: int, outs, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule realdata_data: load, split and normalise each set of ``names`` into ``outs`` (.npz + sidecar).

    One job for all sets: importing scikit-learn costs more than writing every set."""
    logger = get_logger("realdata.data", log)
    written = {}
    for name, out in zip(names, outs):
        arrays = real_datasets.make_dataset(name, section["test_fraction"], seed)
        io.save_npz(
            out,
            arrays,
            meta=provenance.metadata(
                {"test_fraction": section["test_fraction"]},
                rule="realdata_data",
                dataset=name,
                seed=seed,
                normalisation=real_datasets.NORMALISATION,
                source=f"sklearn.datasets.load_{name}",
                full_config=config,
            ),
        )
        logger.info(
            f"wrote {out}: {name} ({arrays['task']}), train {arrays['x_train'].shape}, "
            f"test {arrays['x_test'].shape}; {real_datasets.NORMALISATION}"
        )
        written[name] = arrays
    return written


# --- rule realdata_summary ---------------------------------------------------------------------


def summarize(
    data_paths: dict,
    fig3_path: str,
    regression_paths: dict,
    section: dict,
    outputs: dict,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Rule realdata_summary: tables, checks and figures. ``outputs``: the rule's named outputs."""
    import pandas as pd

    from . import realdata_plots

    logger = get_logger("realdata.summary", log)
    meta = provenance.metadata(section, rule="realdata_summary", full_config=config)
    ci = section["ci"]

    # data sets
    rows = []
    for name, path in data_paths.items():
        d = io.load_npz(path, required=("x_train", "x_test", "n_classes", "task"))
        rows.append(
            {
                "dataset": name,
                "task": str(d["task"]),
                "n_train": len(d["x_train"]),
                "n_test": len(d["x_test"]),
                "d_in": d["x_train"].shape[1],
                "classes": int(d["n_classes"]),
                "test_fraction": section["test_fraction"],
                "features": real_datasets.NORMALISATION,
                "kernel_inputs": ", ".join(section["regression"]["inputs"]),
            }
        )
    io.save_table(outputs["datasets"], pd.DataFrame(rows), meta=meta, markdown=True)

    # Figure 3
    p = io.load_npz(fig3_path, required=("x", "labels", "eigenvalues", "components", "trace", "widths"))
    lam = p["eigenvalues"]
    eig = pd.DataFrame(
        {
            "component": np.arange(1, len(lam) + 1),
            "eigenvalue": lam,
            "fraction_of_trace": lam / p["trace"],
            "paper_mnist": [realdata_fig3.PAPER_MNIST[i] if i < 3 else np.nan for i in range(len(lam))],
        }
    )
    io.save_table(outputs["eigenvalues"], eig, meta=meta, markdown=True)
    runs = realdata_fig3.fig3_runs(p)
    widths = [int(r["width"]) for r in runs]
    lam2 = float(lam[1])
    fig3_table = realdata_fig3.fig3_table(runs, lam)
    io.save_table(outputs["fig3"], fig3_table, meta=meta, markdown=True)
    cks = realdata_fig3.path_checks(widths, runs, lam2, section)

    # regression
    acc_rows, gaps, gap_rows, reg = [], {}, [], {}
    for name, path in regression_paths.items():
        r = io.load_npz(
            path,
            required=("rows", "widths", "gap", "gap_T", "gap_steps", "gap_inf", "loss_ratio", "net_scores"),
        )
        reg[name] = r
        acc_rows += json.loads(str(r["rows"]))
        gaps[name] = r["gap"]
        for j, w in enumerate(r["widths"]):
            for s in range(r["gap"].shape[0]):
                gap_rows.append(
                    {
                        "dataset": name,
                        "width": int(w),
                        "seed": s,
                        "gap_steps": int(r["gap_steps"]),
                        "gap_ntk_gd": r["gap"][s, j],
                        "gap_ntk_gd_T": r["gap_T"][s, j],
                        "gap_ridge0": r["gap_inf"][s, j],
                        "train_loss_ratio": r["loss_ratio"][s, j],
                        "test_score": r["net_scores"][s, j],
                        "steps": int(r["steps"]),
                    }
                )
    acc = pd.DataFrame(acc_rows)
    io.save_table(outputs["accuracy"], acc, meta=meta, markdown=True)
    summary = realdata_regression.accuracy_summary(acc)
    io.save_table(outputs["accuracy_summary"], summary, meta=meta, markdown=True)
    reg_widths = [int(w) for w in next(iter(reg.values()))["widths"]]
    gap_c, gap_fits = realdata_regression.gap_check(
        gaps,
        reg_widths,
        ci,
        section["regression"]["exponent_tol"],
        section["regression"]["asymptotic_min_width"],
        int(next(iter(reg.values()))["gap_steps"]),
    )
    io.save_table(outputs["net_gap"], pd.DataFrame(gap_rows), meta=meta, markdown=True)
    cks.append(gap_c)
    checks.write_checks(outputs["checks"], cks, meta=meta)

    realdata_plots.kernel_pca_figure(p, eig, outputs["fig_pca"], meta)
    realdata_plots.function_path_figure(runs, lam2, fig3_table, cks[:3], outputs["fig_path"], meta)
    realdata_plots.regression_figure(acc, reg, gap_fits, outputs["fig_regression"], meta)
    for c in cks:
        checks.log_check(logger, c)
    growth = fig3_table.groupby("width")["k_growth"].mean()
    logger.info(
        "kernel growth ||K_T||/||K_0|| per width: " + ", ".join(f"{w}: {g:.4f}" for w, g in growth.items())
    )
    return {"checks": cks, "accuracy": acc, "summary": summary, "fig3": fig3_table}


# --- rule entry points -------------------------------------------------------------------------


def rule_data(*, input, output, params, wildcards, log, config):
    make_data(list(params.names), params.section, params.seed, list(output.npz), log, config)


def rule_fig3(*, input, output, params, wildcards, log, config):
    realdata_fig3.fig3(input.data, params.section, params.seed, params.x64, output.npz, log, config)


def rule_regression(*, input, output, params, wildcards, log, config):
    realdata_regression.regression(
        wildcards.dataset, input.data, params.section, params.seed, params.x64, output.npz, log, config
    )


def rule_summary(*, input, output, params, wildcards, log, config):
    data_paths = dict(zip(params.data_names, list(input.data)))
    summarize(
        data_paths,
        input.fig3,
        dict(zip(params.section["datasets"], list(input.regression))),
        params.section,
        {
            k: getattr(output, k)
            for k in (
                "datasets",
                "eigenvalues",
                "fig3",
                "accuracy",
                "accuracy_summary",
                "net_gap",
                "checks",
                "fig_pca",
                "fig_path",
                "fig_regression",
            )
        },
        log,
        config,
    )
