"""Plan a run without training: jobs, flops, peak memory and predicted wall time per rule.

    .venv/bin/python tools/plan.py --config config/config.yaml [--gpu-tflops 60] [--gpu-mem-gb 80]
                                   [--cpu-gflops G] [--compare results/benchmarks] [--csv out.csv]
    make plan CONFIG=config/paper.yaml

The jobs come from a forced Snakemake dry run of workflow/Snakefile on the config (every rule of every
stage, including stages added later); the flops and memory from ``pipeline.cost_model``. The CPU flop
rate is a short float32 matmul probe on this machine (``--cpu-gflops`` to give it instead); the GPU is
one card of ``--gpu-tflops`` fp32 peak and ``--gpu-mem-gb`` memory (default: H100-class, 60 TFLOP/s
fp32 without tensor cores, 80 GB). Rules are run one job after another in these predictions (sum
over jobs; Snakemake with several cores runs CPU jobs in parallel). ``--compare DIR`` (a results
folder or its benchmarks/ folder) adds the measured wall seconds per rule from the Snakemake benchmark
TSVs and the ratio predicted / measured.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import cost_model as cm  # noqa: E402


def measured_jobs(bench_dir: Path, jobs: list[dict]):
    """Measured wall and CPU seconds per job of ``jobs`` (index = position in ``jobs``) from the
    benchmark TSVs under ``bench_dir`` (``stages.report.collect_wall_times``); jobs without one are
    left out."""
    import pandas as pd

    from pipeline.stages.report import collect_wall_times

    patterns = {}
    for i, j in enumerate(jobs):
        if j.get("benchmark"):
            rel = j["benchmark"].split("/benchmarks/", 1)[-1]
            patterns[str(i)] = str(bench_dir / rel)
    raw = collect_wall_times(bench_dir, patterns)
    raw = raw[~raw["rule"].str.startswith("?")]
    return pd.DataFrame(
        {"job": raw["rule"].astype(int), "measured_s": raw["wall_s"], "measured_cpu_s": raw["cpu_s"]}
    ).set_index("job")


def measured_wall(bench_dir: Path, jobs: list[dict], predicted=None):
    """Per rule: measured_jobs, measured_s (wall, summed as the report does), measured_cpu_s and, given
    ``predicted`` (seconds per job, same order as ``jobs``), pred_measured_s: the prediction for the
    measured jobs only (a partial run compares like with like)."""
    import pandas as pd

    per = measured_jobs(bench_dir, jobs)
    per["rule"] = [jobs[i]["rule"] for i in per.index]
    if predicted is not None:
        per["pred_measured_s"] = [predicted[i] for i in per.index]
    cols = ["rule", "measured_jobs", "measured_s", "measured_cpu_s"]
    cols += ["pred_measured_s"] if predicted is not None else []
    if per.empty:
        return pd.DataFrame(columns=cols)
    g = per.groupby("rule", sort=False)
    out = pd.DataFrame(
        {
            "measured_jobs": g.size(),
            "measured_s": g["measured_s"].sum(),
            "measured_cpu_s": g["measured_cpu_s"].sum(min_count=1),
        }
    )
    if predicted is not None:
        out["pred_measured_s"] = g["pred_measured_s"].sum()
    return out.reset_index()[cols]


def fmt_s(s: float) -> str:
    if not math.isfinite(s):
        return "-"
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def build(
    config_path: str, cpu_rate: float, gpu_rate: float, gpu_mem_gb: float, compare: str | None, snakemake: str
):
    from pipeline.config import load_config

    config = load_config(config_path)
    jobs = cm.dag_jobs(str(ROOT / "workflow" / "Snakefile"), config_path, snakemake=snakemake, cwd=str(ROOT))
    from pipeline.stages import STAGE_NAMES

    df = cm.plan(config, [(j["rule"], j["wildcards"]) for j in jobs])
    order = cm.stage_order(df["rule"], STAGE_NAMES)
    df = df.set_index("rule").loc[order].reset_index()
    df = cm.predict(df, cpu_rate)
    df = cm.predict(df, gpu_rate, gpu=True)
    df["fits_gpu"] = df["peak_mb"] <= gpu_mem_gb * 1000
    if compare:
        bench = Path(compare)
        if (bench / "benchmarks").is_dir():
            bench = bench / "benchmarks"
        pred = [
            cm.job_wall_s(cm.job_cost(config, j["rule"], j["wildcards"]), j["rule"], cpu_rate) for j in jobs
        ]
        df = df.merge(measured_wall(bench, jobs, pred), on="rule", how="left")
        df["ratio"] = df["pred_measured_s"] / df["measured_s"]
        df["ratio_cpu"] = df["pred_measured_s"] / df["measured_cpu_s"]
    return df.drop(columns=["_costs"])


def table(df, compare: bool) -> str:
    head = ["rule", "jobs", "GFLOP/job", "peak MB/job", "this machine", "GPU"]
    if compare:
        head += [
            "measured jobs",
            "predicted (those jobs)",
            "measured wall",
            "pred/wall",
            "measured CPU",
            "pred/CPU",
        ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in df.itertuples():
        mark = "" if r.modeled else " (overhead only: no flop model)"
        gpu = fmt_s(r.wall_gpu_s) + ("" if r.fits_gpu else " (does NOT fit)")
        cells = [
            r.rule + mark,
            str(r.jobs),
            f"{r.flops_per_job / 1e9:.3g}",
            f"{r.peak_mb:.0f}",
            fmt_s(r.wall_cpu_s),
            gpu,
        ]
        if compare:
            ratio = lambda x: f"{x:.2f}" if math.isfinite(x) else "-"  # noqa: E731
            n_meas = "-" if not math.isfinite(r.measured_jobs) else str(int(r.measured_jobs))
            cells += [
                n_meas,
                fmt_s(r.pred_measured_s),
                fmt_s(r.measured_s),
                ratio(r.ratio),
                fmt_s(r.measured_cpu_s),
                ratio(r.ratio_cpu),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    tot = [
        "**total**",
        str(int(df["jobs"].sum())),
        f"{df['flops'].sum() / 1e9:.3g} (all jobs)",
        f"{df['peak_mb'].max():.0f} (max)",
        fmt_s(df["wall_cpu_s"].sum()),
        fmt_s(df["wall_gpu_s"].sum()),
    ]
    if compare:
        tot += [
            str(int(df["measured_jobs"].sum())),
            fmt_s(df["pred_measured_s"].sum(min_count=1)),
            fmt_s(df["measured_s"].sum(min_count=1)),
            "-",
            fmt_s(df["measured_cpu_s"].sum(min_count=1)),
            "-",
        ]
    lines.append("| " + " | ".join(tot) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config/config.yaml")
    ap.add_argument(
        "--gpu-tflops",
        type=float,
        default=cm.GPU_TFLOPS,
        help="fp32 peak of the GPU (default: H100-class, 60 TFLOP/s without tensor cores)",
    )
    ap.add_argument("--gpu-mem-gb", type=float, default=cm.GPU_MEM_GB)
    ap.add_argument("--cpu-gflops", type=float, default=None, help="skip the probe: this machine's rate")
    ap.add_argument("--compare", default=None, help="results folder (or its benchmarks/) of a finished run")
    ap.add_argument("--csv", default=None, help="also write the table as CSV")
    ap.add_argument("--snakemake", default=str(Path(sys.executable).parent / "snakemake"))
    args = ap.parse_args(argv)

    if args.cpu_gflops:
        cpu_rate = args.cpu_gflops * 1e9
        how = "given"
    else:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        cpu_rate = cm.probe_flop_rate(per_core=True)
        how = "float32 matmul probe, per CPU second"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"# config {args.config}; this machine: {cpu_rate / 1e9:.1f} GFLOP/s per core ({how}; "
        f"{cores} cores, load average {os.getloadavg()[0]:.1f}); "
        f"GPU: {args.gpu_tflops:g} TFLOP/s fp32 peak x {cm.GPU_EFFICIENCY} reached, {args.gpu_mem_gb:g} GB"
    )
    df = build(args.config, cpu_rate, args.gpu_tflops * 1e12, args.gpu_mem_gb, args.compare, args.snakemake)
    print(table(df, args.compare is not None))
    cpu_total = df["wall_cpu_s"].sum()
    print(
        f"# per rule: the sum over its jobs of start-up + flops / (rate x efficiency) "
        f"(pipeline/cost_model.py); this machine: one job per core, so --cores {cores} takes about "
        f"{fmt_s(cpu_total / cores)} "
        f"(more where the DAG serialises); GPU: jobs one after another on one card"
    )
    if args.csv:
        df.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
