"""Stage fourier: Fourier-feature image regression and the NTK of the mappings (Tancik et al. 2020).

Jobs (rules in workflow/rules/fourier.smk):

- ``train_mapping``: one image set x one mapping -> results/fourier/<set>/<mapping>.npz
  (``fourier_sweep`` uses the same function with the Gaussian mapping and an explicit sigma ->
  results/fourier/sweep/<set>/sigma<s>.npz). Arrays: names (n,), steps (T,), psnr_train / psnr_test
  (n, T) curves, final_train / final_test (n,) (final iterate), recon (n, r, r, 3) uint8 predictions
  on the full pixel grid, B (m, 2) and a (m,) of the mapping (empty for none), lr, sigma, pe_scale,
  seconds (training wall time).
- ``ntk_mappings``: analytic NTK of an MLP on mapped 1D inputs -> results/fourier/ntk_mappings.npz
  and the figures ntk_mappings.png (profiles k(x0 + Delta, x0), spectra, 90%-bandwidth vs sigma) and
  power_law_regression.png (1D demo: mean of trained networks vs kernel regression); the numerics
  are ``fourier_kernels.mapping_kernels``, ``bandwidth_sweep`` and ``power_law_demo``.
- ``summarize`` (rule fourier_summary): tables, figures and theory checks.

Tables:

- results/tables/fourier_psnr.csv (+ .md): one row per image set x mapping: imageset, mapping,
  n_images, resolution (px), steps, psnr_train_mean, psnr_train_std, psnr_test_mean, psnr_test_std
  (dB; mean and population std over images, final iterate), theirs_psnr_mean, theirs_psnr_std,
  theirs_data (Tancik et al. 2020 Table 1: THEIR numbers on THEIR data at 512 px, for comparison of
  orderings and gaps only).
- results/tables/fourier_psnr_images.csv (+ .md): one row per image set x mapping x image: imageset,
  mapping, image, psnr_train, psnr_test, lr, scale (sigma for gaussian, s for positional, NaN else).
- results/tables/fourier_sweep.csv (+ .md): one row per image set x sigma x image: imageset, sigma,
  image, psnr_train, psnr_test.

Checks (results/checks/fourier.csv): fourier_ordering (test PSNR gaussian > positional > basic > none
on every image set), fourier_bandwidth (90% spectral frequency of the NTK grows with sigma),
fourier_stationary (an identity, kind "identity": gamma(x) . gamma(x') of a Fourier mapping depends on
x - x' only, so the NTK of mapped inputs does, to round-off).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import checks as chk
from .. import io, provenance
from ..fits import mean_ci
from ..fourier_features import MAPPINGS
from ..precision import x64_context
from ..progress import Progress, get_logger
from . import fourier_plots

ORDER = MAPPINGS  # the order of the predicted PSNR ranking
# Tancik et al. 2020, Table 1 (PSNR dB, mean, std over images): THEIR data (DIV2K subset / their text
# set), 512 px.
THEIRS = {
    "natural": {
        "none": (19.32, 2.48),
        "basic": (21.72, 2.72),
        "positional": (24.95, 3.72),
        "gaussian": (25.57, 4.19),
    },
    "text": {
        "none": (18.40, 2.34),
        "basic": (20.48, 1.96),
        "positional": (27.57, 3.07),
        "gaussian": (30.47, 2.11),
    },
}
THEIRS_DATA = {
    "natural": "Tancik et al. 2020 Table 1: DIV2K subset, 512 px (their data)",
    "text": "Tancik et al. 2020 Table 1: their text images, 512 px (their data)",
}
DATA_ARRAYS = ("images", "names", "x_train", "y_train", "x_test", "y_test")
RUN_ARRAYS = ("names", "steps", "psnr_train", "psnr_test", "final_train", "final_test", "recon")


def _hyper(section: dict, imageset: str, mapping: str, sigma: float | None) -> dict:
    return {
        "lr": float(section["lr"][imageset][mapping]),
        "sigma": float(section["sigma"][imageset] if sigma is None else sigma),
        "pe_scale": float(section["pe_scale"][imageset]),
    }


def train_mapping(
    imageset: str,
    mapping: str,
    data_path: str,
    out: str,
    section: dict,
    seed: int,
    log: str | None = None,
    sigma: float | None = None,
    config: dict | None = None,
) -> dict:
    """Fit every image of ``imageset`` with ``mapping`` (one network per image, vmapped); write ``out``."""
    import jax
    import jax.numpy as jnp

    from .. import fourier_features as ff
    from .. import image_regression as ir
    from ..datasets import image_grid

    logger = get_logger(f"fourier.{imageset}.{mapping}" + ("" if sigma is None else f".sigma{sigma:g}"), log)
    hp = _hyper(section, imageset, mapping, sigma)
    data = io.load_npz(data_path, required=DATA_ARRAYS)
    n, r = data["images"].shape[:2]
    if n == 0:
        raise ValueError(f"{data_path}: image set {imageset!r} has no images")
    B, a = ff.mapping_matrices(mapping, 2, section["n_freq"], hp["sigma"], hp["pe_scale"], seed)
    enc = lambda x: ff.encode(jnp.asarray(x, jnp.float32), B, a)  # noqa: E731
    logger.info(
        f"{imageset}: {n} images {r}x{r} px, mapping {mapping} "
        f"({ff.n_features(mapping, 2, section['n_freq'])}"
        f" features), lr {hp['lr']:g}, sigma {hp['sigma']:g}, pe_scale {hp['pe_scale']:g}, "
        f"{section['steps']} Adam steps, device {jax.devices()[0]}"
    )
    progress = Progress(logger, n * section["steps"], what="image-step")
    res = ir.fit_images(
        enc(data["x_train"]),
        jnp.asarray(data["y_train"]),
        enc(data["x_test"]),
        jnp.asarray(data["y_test"]),
        width=section["width"],
        hidden_layers=section["hidden_layers"],
        lr=hp["lr"],
        steps=section["steps"],
        eval_every=section["eval_every"],
        key=jax.random.PRNGKey(seed),
        batch_images=section["batch_images"],
        feat_full=enc(image_grid(r).reshape(-1, 2)),
        on_eval=lambda d, t, ptr, pte: progress.update(d, psnr_train=ptr, psnr_test=pte),
    )
    recon = np.clip(np.rint(res.pop("recon").reshape(n, r, r, 3) * 255), 0, 255).astype(np.uint8)
    arrays = {
        **res,
        "names": data["names"],
        "recon": recon,
        "B": np.zeros((0, 2)) if B is None else B,
        "a": np.zeros(0) if a is None else a,
        **{k: np.float64(v) for k, v in hp.items()},
    }
    meta = provenance.metadata(
        section,
        stage="fourier",
        imageset=imageset,
        mapping=mapping,
        seed=seed,
        resolution=int(r),
        full_config=config,
        **hp,
    )
    io.save_npz(out, arrays, meta=meta)
    logger.info(
        f"wrote {out}: test PSNR {np.round(res['final_test'], 2).tolist()} dB, "
        f"train PSNR {np.round(res['final_train'], 2).tolist()} dB, {float(res['seconds']):.1f} s"
    )
    return arrays


# ----------------------------------------------------------------------------- NTK of the mappings
def ntk_mappings(
    section: dict,
    seed: int,
    out: str,
    fig_kernels: str,
    fig_demo: str,
    log: str | None = None,
    config: dict | None = None,
) -> dict:
    """Analytic NTK of the mapped 1D inputs: profiles, spectra, bandwidth vs sigma, power-law demo.

    Runs in float64 (scoped): kernel solves with tiny eigenvalues need it.
    """
    with x64_context(True):
        return _ntk_mappings(section, seed, out, fig_kernels, fig_demo, log, config)


def _ntk_mappings(
    section: dict, seed: int, out: str, fig_kernels: str, fig_demo: str, log: str | None, config: dict | None
) -> dict:
    from .. import fourier_kernels as fk

    kc = section["kernel"]
    logger = get_logger("fourier.ntk", log)
    arrays = fk.mapping_kernels(kc, ORDER, seed)
    for name in ORDER:
        logger.info(
            f"NTK {name}: stationarity error {float(arrays[f'stationarity_{name}']):.2e}, 90% bandwidth "
            f"{float(arrays[f'bandwidth_{name}']):g} cycles/unit"
        )
    arrays.update(fk.bandwidth_sweep(kc, seed))
    for s, f90 in zip(arrays["bw_sigmas"], arrays["bw_f90"]):
        logger.info(f"bandwidth sigma {s:g}: f90 {f90:g} cycles/unit")
    progress = Progress(logger, len(kc["demo"]["powers"]), what="power-law mapping")
    arrays.update(
        fk.power_law_demo(kc, seed, lambda i, p, err: progress.update(i + 1, p=p, rel_err_mean_vs_kernel=err))
    )
    meta = provenance.metadata(section, stage="fourier", seed=seed, full_config=config)
    io.save_npz(out, arrays, meta=meta)
    fourier_plots.ntk_mappings(arrays, kc, fig_kernels, meta)
    fourier_plots.power_law_regression(arrays, kc["demo"], fig_demo, meta)
    logger.info(f"wrote {out}, {fig_kernels}, {fig_demo}")
    return arrays


# ----------------------------------------------------------------------------- aggregation
def _load_runs(paths: list[str]) -> dict:
    runs = {}
    for p in paths:
        meta = io.load_json(io.sidecar(p))
        runs[(meta["imageset"], meta["mapping"])] = (io.load_npz(p, required=RUN_ARRAYS), meta)
    return runs


def psnr_tables(runs: dict):
    """(summary DataFrame, per-image DataFrame) from {(set, mapping): (arrays, meta)}."""
    import pandas as pd

    rows, img_rows = [], []
    for (s, m), (arr, meta) in sorted(runs.items(), key=lambda kv: (kv[0][0], ORDER.index(kv[0][1]))):
        tr, te = arr["final_train"].astype(float), arr["final_test"].astype(float)
        theirs = THEIRS.get(s, {}).get(m, (math.nan, math.nan))
        rows.append(
            {
                "imageset": s,
                "mapping": m,
                "n_images": len(te),
                "resolution": meta["resolution"],
                "steps": int(arr["steps"][-1]),
                "psnr_train_mean": tr.mean(),
                "psnr_train_std": tr.std(),
                "psnr_test_mean": te.mean(),
                "psnr_test_std": te.std(),
                "theirs_psnr_mean": theirs[0],
                "theirs_psnr_std": theirs[1],
                "theirs_data": THEIRS_DATA.get(s, ""),
            }
        )
        scale = meta["sigma"] if m == "gaussian" else meta["pe_scale"] if m == "positional" else math.nan
        for name, a, b in zip(arr["names"], tr, te):
            img_rows.append(
                {
                    "imageset": s,
                    "mapping": m,
                    "image": str(name),
                    "psnr_train": a,
                    "psnr_test": b,
                    "lr": meta["lr"],
                    "scale": scale,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(img_rows)


def _psnr_markdown(df) -> str:
    lines = [
        "# Fourier-feature image regression: PSNR (dB), final iterate, mean +- std over images",
        "",
        "`ours`: this run (our images, resolution and steps as listed). `theirs`: Tancik et al. 2020, "
        "Table 1, on THEIR data (DIV2K subset / their text images, 512 px, 2000 steps) - printed for "
        "comparing orderings and gaps only, not the same images.",
        "",
        "| image set | mapping | n | px | steps | ours train | ours test | theirs test (their data) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples():
        theirs = (
            "" if math.isnan(r.theirs_psnr_mean) else f"{r.theirs_psnr_mean:.2f} +- {r.theirs_psnr_std:.2f}"
        )
        lines.append(
            f"| {r.imageset} | {r.mapping} | {r.n_images} | {r.resolution} | {r.steps} | "
            f"{r.psnr_train_mean:.2f} +- {r.psnr_train_std:.2f} | {r.psnr_test_mean:.2f} +- "
            f"{r.psnr_test_std:.2f} | {theirs} |"
        )
    return "\n".join(lines) + "\n"


def ordering_check(img_df, ci: float = 0.95) -> chk.Check:
    """Test PSNR gaussian > positional > basic > none on every image set, three-valued.

    Each adjacent pair (lo, hi) of each set is *ordered* when the paired ``ci`` t-interval over images
    of psnr_test(hi) - psnr_test(lo) lies above 0, *reversed* when it lies below 0, else *unresolved*
    (one image: no interval, unresolved). Verdict: pass if every pair is ordered, fail if any is
    reversed, inconclusive otherwise. measured / CI: the pair with the smallest mean gap.
    """
    details, status, worst = [], {"ordered": 0, "reversed": 0, "unresolved": 0}, None
    for s, g in img_df.groupby("imageset", sort=True):
        present = [m for m in ORDER if m in set(g["mapping"])]
        piv = g.pivot(index="image", columns="mapping", values="psnr_test")
        for lo, hi in zip(present[:-1], present[1:]):
            r = mean_ci((piv[hi] - piv[lo]).to_numpy(), ci)
            state = "ordered" if r["ci_low"] > 0 else "reversed" if r["ci_high"] < 0 else "unresolved"
            status[state] += 1
            details.append(
                f"{s}: {hi} - {lo} = {r['mean']:+.2f} dB [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}] {state}"
            )
            if worst is None or r["mean"] < worst["mean"]:
                worst = r
    pred = "test PSNR ordered gaussian > positional > basic > none on every image set (Tancik et al. Table 1)"
    fig = "fourier/reconstructions.png"
    if worst is None:
        return chk.Check(
            "fourier_ordering",
            "fourier",
            pred,
            math.nan,
            "needs >= 2 mappings",
            verdict="inconclusive",
            figure=fig,
            detail="fewer than two mappings configured",
        )
    verdict = "fail" if status["reversed"] else "pass" if not status["unresolved"] else "inconclusive"
    return chk.Check(
        "fourier_ordering",
        "fourier",
        pred,
        worst["mean"],
        f"every adjacent pair ordered: paired {int(ci * 100)}% CI of the gap over images above 0 dB",
        verdict=verdict,
        ci_low=worst["ci_low"],
        ci_high=worst["ci_high"],
        interval=f"{int(ci * 100)}% paired t-interval over {worst['n']} images of the test-PSNR gap (dB) of "
        "the adjacent pair with the smallest mean gap",
        figure=fig,
        detail=f"measured = smallest adjacent mean gap (dB), CI = {int(ci * 100)}% t-interval of that pair's "
        f"per-image gaps; {status['ordered']} ordered, {status['reversed']} reversed, "
        f"{status['unresolved']} unresolved of {sum(status.values())} adjacent pairs; " + "; ".join(details),
    )


def bandwidth_check(ntk: dict) -> chk.Check:
    s, f = ntk["bw_sigmas"], ntk["bw_f90"]
    ratios = f[1:] / f[:-1]
    slope = float(np.polyfit(np.log(s), np.log(f), 1)[0])
    return chk.Check(
        "fourier_bandwidth",
        "fourier",
        "a larger Gaussian scale sigma widens the NTK spectrum of the mapped inputs (bandwidth ~ sigma)",
        float(ratios.min()),
        "f90(sigma_{k+1}) / f90(sigma_k) > 1 for every consecutive sigma",
        bool(ratios.min() > 1),
        figure="fourier/ntk_mappings.png",
        detail="measured = smallest ratio of consecutive 90%-spectral-power frequencies; "
        f"f90 (cycles/unit) at "
        f"sigma {s.tolist()}: {np.round(f, 2).tolist()}; log-log slope {slope:.2f} (1 = proportional)",
    )


def stationarity_check(ntk: dict) -> chk.Check:
    mapped = {m: float(ntk[f"stationarity_{m}"]) for m in ORDER[1:]}
    worst = max(mapped.values())
    return chk.Check(
        "fourier_stationary",
        "fourier",
        "the NTK of Fourier-mapped inputs depends on x - x' only (stationary); raw inputs do not",
        worst,
        "max |k(x0 + D, x0) - mean_x0| / max|k| < 1e-6 for basic, positional, gaussian",
        bool(worst < 1e-6),
        kind="identity",
        figure="fourier/ntk_mappings.png",
        detail="float64 analytic NTK at anchors x0 in {0.2, 0.5, 0.8}; "
        + ", ".join(f"{m} {v:.1e}" for m, v in mapped.items())
        + f"; none (raw x, expected non-stationary) {float(ntk['stationarity_none']):.2f}",
    )


def summarize(
    run_paths: list[str],
    sweep_paths: list[str],
    ntk_path: str,
    data_paths: dict,
    out: dict,
    section: dict,
    log: str | None = None,
    config: dict | None = None,
) -> None:
    """Tables, figures and checks of the stage. ``out`` keys: table, table_images, table_sweep,
    fig_recon, fig_sweep, fig_curves, checks. ``data_paths``: {imageset: images npz}."""
    import pandas as pd

    logger = get_logger("fourier.summary", log)
    runs = _load_runs(run_paths)
    summary, per_image = psnr_tables(runs)
    meta = provenance.metadata(section, stage="fourier", full_config=config)
    io.save_table(out["table"], summary, meta=meta)
    with io.atomic_path(Path(out["table"]).with_suffix(".md")) as tmp:
        tmp.write_text(_psnr_markdown(summary))
    io.save_table(out["table_images"], per_image, meta=meta, markdown=True)
    sweep_rows = []
    for p in sweep_paths:
        arr, m = io.load_npz(p, required=RUN_ARRAYS), io.load_json(io.sidecar(p))
        for name, a, b in zip(arr["names"], arr["final_train"], arr["final_test"]):
            sweep_rows.append(
                {
                    "imageset": m["imageset"],
                    "sigma": m["sigma"],
                    "image": str(name),
                    "psnr_train": float(a),
                    "psnr_test": float(b),
                }
            )
    sweep = pd.DataFrame(sweep_rows, columns=["imageset", "sigma", "image", "psnr_train", "psnr_test"])
    io.save_table(
        out["table_sweep"], sweep.sort_values(["imageset", "sigma", "image"]), meta=meta, markdown=True
    )
    images = {s: io.load_npz(p, required=("images",))["images"] for s, p in data_paths.items()}
    fourier_plots.reconstructions(runs, images, section["figure_images"], out["fig_recon"], meta)
    fourier_plots.scale_sweep(sweep, section, out["fig_sweep"], meta)
    fourier_plots.training_curves(runs, out["fig_curves"], meta)
    ntk = io.load_npz(ntk_path, required=("bw_sigmas", "bw_f90"))
    checks = [ordering_check(per_image), bandwidth_check(ntk), stationarity_check(ntk)]
    chk.write_checks(out["checks"], checks, meta=meta)
    logger.info("\n" + _psnr_markdown(summary))
    for c in checks:
        chk.log_check(logger, c)


# ----------------------------------------------------------------------------- figures


# --- rule entries (workflow/scripts/*.py: run_rule(rule_<name>, snakemake)) ----------------------


def rule_train(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``fourier_train`` -> ``train_mapping``."""
    train_mapping(
        wildcards.imageset,
        wildcards.mapping,
        input.data,
        output.npz,
        params.section,
        params.seed,
        log,
        config=config,
    )


def rule_sweep(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``fourier_sweep`` -> ``train_mapping``."""
    train_mapping(
        wildcards.imageset,
        "gaussian",
        input.data,
        output.npz,
        params.section,
        params.seed,
        log,
        sigma=float(wildcards.sigma),
        config=config,
    )


def rule_ntk(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``fourier_ntk`` -> ``ntk_mappings``."""
    ntk_mappings(
        params.section, params.seed, output.npz, output.fig_kernels, output.fig_demo, log, config=config
    )


def rule_summary(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``fourier_summary`` -> ``summarize``."""
    summarize(
        list(input.runs),
        list(input.sweep),
        input.ntk,
        dict(zip(params.imagesets, input.data)),
        dict(output.items()),
        params.section,
        log,
        config=config,
    )
