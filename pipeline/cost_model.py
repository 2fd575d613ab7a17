"""Cost model of the pipeline's jobs: flops and peak memory from the config's shapes, wall time from a
flop rate.

A job's predicted wall time is

    wall = overhead(rule) + flops / (flop_rate * efficiency(rule))

``overhead`` is the fixed start-up of one job (Python, imports, jit compilation, reading and writing
files, figures): ``OVERHEAD_S`` by rule kind, in CPU seconds measured on the 2-core development
machine; summaries, figures and data jobs are overhead only. On a CPU ``flop_rate`` is ONE core's
float32 matmul rate (``probe_flop_rate(per_core=True)``: flops per CPU second, which the load of a
shared machine barely changes), because Snakemake fills the cores with one job each; the rule's
prediction is the sum over its jobs, so a run on c cores takes about the total / c. On a GPU it is
the card's fp32 peak (jobs one after another on one card). ``efficiency`` (``EFFICIENCY``) is the
fraction of that rate a rule's programs reach (small or elementwise-bound arrays reach less than one
large matmul; calibrated on the default config, see the README). A rule with no flop model here
(e.g. a stage added later) is predicted as overhead only and marked ``modeled = False``.

Flops count a multiply-add as 2. Notation: S seeds (or inits, images), N train points, M test points,
d input dimension, layer sizes n_0 = d, n_1 .. n_L = m (width), n_{L+1} = 1, P = sum_l n_{l-1} n_l
(+ biases) parameters, Sigma = sum_{l=1}^{L+1} (n_{l-1} + n_l), T steps, R recorded steps.

- ntk_init (one width, ``ntk_empirical.ntk_parts`` per seed): forward + backward signals 4 N P, the
  per-layer Gram matrices H H^T and G G^T 2 N^2 Sigma:   S (4 N P + 2 N^2 Sigma).
  Memory: seeds batched under ``stages.ntk.MEMORY_BUDGET`` (512 MB) of 4 (P + (L+1)(2 N m + N^2)) bytes
  each, plus the S (L+1) N^2 output.
- ntk_depth (one job): the ntk_init model summed over every (depth, width) of ntk.depth_sweep.
- train (one arch x width, ``training.train_sweep``): per GD step the gradient 6 N P (forward 2 N P,
  backward 4 N P) and the linearised model 2 N (N + M); per record the outputs 2 (N + M) P, the
  kernel 2 N^2 Sigma and eigvalsh of the N x N drift (~10 N^3); at start K0 and K0_test
  2 N (N + M) Sigma + 10 N^3:
      S (T (6 N P + 2 N (N + M)) + R (2 (N + M) P + 2 N^2 Sigma + 10 N^3) + 2 N (N + M) Sigma).
  Memory: per seed 4 P floats (params, params0, gradient, update), the (N + M) x m hidden arrays
  (x6) of the seeds run at once (``seed_batch``), the records R S (2 N + 2 M + 8) and 3 S N^2.
- train_jacot (one width): ``training.gd_run`` of I inits for T steps plus Theta(x0, x) on n_gamma
  points before and after:   I (6 N P T + 2 (4 G P + 2 G Sigma)).
- convergence_kinf: the analytic K_inf on N points (neural-tangents, float64): ~ 100 N^2 (L + 1).
- convergence_fit (one arch x width): eigendecompositions of K0, K_inf (~10 N^3) and the projections
  of the R recorded residuals 2 R N^2 per seed:   S (10 N^3 + 2 R N^2) + 10 N^3.
- fourier_train / fourier_sweep (one image set x mapping / sigma): n images of P = (r/2)^2 train and
  Q = (r/2)^2 test pixels, D features (``fourier_features.n_features``), a coordinate MLP of
  Pm = D W + (H-1) W^2 + 3 W (+ biases) parameters trained by full-batch Adam:
      n (T 6 P Pm + T 12 Pm + E 2 (P + Q) Pm + 2 r^2 Pm) + 4 (P + Q + r^2) D
  (E = T / eval_every + 1 evaluations, the last term the reconstruction). Memory: b images at once
  (``batch_images``, 0 = all), each 3 P (D + H W) activation floats and 5 Pm optimiser floats, plus the
  features (P + Q + r^2) D.
- fourier_ntk: per mapping the kernel profiles and spectra on the n_grid grid (~ 2 n_grid^2 + anchors
  n_grid D), and per power of the 1D demo an ensemble of ``seeds`` MLPs (width w, H hidden layers)
  trained by GD for ``steps`` steps on n_train points: seeds 6 n_train P_demo steps.
- everything else (data, summaries, figures, report): overhead only (``modeled = True`` when the
  rule is known to do no heavy numerics, see ``CONSTANT_RULES``).

Peak memory is a process base (the Python + JAX runtime, ``BASE_MB``) plus the arrays above; rule
files get ``mem_mb`` and ``runtime`` for SLURM from ``job_mem_mb`` / ``job_runtime_min`` (with floors
and a safety factor).

This module imports only the standard library, numpy and pandas (no JAX: ``probe_flop_rate`` imports
it when called), so rule files can use it while Snakemake parses the workflow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

F32 = 4  # bytes per float32

# Start-up of one job in seconds (measured on the 2-core machine, idle): Python + imports + jit
# compilation + file I/O. "jax": a jitted compute job; "nt": imports neural-tangents too; "plot":
# summaries and figures (matplotlib, tables); "data": data generation (numpy, scikit-image).
OVERHEAD_S = {"jax": 4.5, "nt": 5.0, "plot": 13.0, "data": 2.5, "unknown": 8.0}
# Rules whose start-up differs from their kind's: train compiles one large program (GD, records,
# kernel drift, linearised model; lax.scan + cond) of ~15 s.
RULE_OVERHEAD_S = {"train": 16.0}
# GPU start-up: the same imports plus CUDA initialisation and a slower first compilation.
GPU_EXTRA_OVERHEAD_S = 4.0

# Fraction of the probe's matmul rate a rule's program reaches on a CPU (calibrated on the default
# config's benchmarks, see README). Small (N x m) arrays and elementwise work reach less than one big
# matmul.
EFFICIENCY = {
    "ntk_init": 0.3,
    "ntk_depth": 0.3,
    "train": 0.25,
    "train_jacot": 0.5,
    "convergence_fit": 0.2,
    "convergence_kinf": 0.05,
    "fourier_train": 0.3,
    "fourier_sweep": 0.3,
    "fourier_ntk": 0.08,
    "ntk_analytic": 0.05,
}
# On a GPU the same small programs reach a smaller fraction of a much higher peak.
GPU_EFFICIENCY = 0.25
DEFAULT_EFFICIENCY = 0.2

BASE_MB = {"jax": 300, "nt": 450, "plot": 350, "data": 250, "unknown": 500}

# Rules with no heavy numerics: the overhead is their whole cost (modeled = True, flops 0).
CONSTANT_RULES = {
    "data_synthetic": "data",
    "data_images": "data",
    "data_figure": "plot",
    "ntk_summary": "plot",
    "train_summary": "plot",
    "train_jacot_figure": "nt",
    "convergence_summary": "plot",
    "fourier_summary": "plot",
    "report_tables": "plot",
    "all": "plot",
}
# The default GPU: one H100-class card (SXM H100: ~67 TFLOP/s fp32 without tensor cores; we assume
# 60 TFLOP/s, 80 GB).
GPU_TFLOPS = 60.0
GPU_MEM_GB = 80.0


@dataclass(frozen=True)
class Cost:
    """Cost of one job: flops, peak bytes, the overhead kind (``OVERHEAD_S`` key), modeled or not."""

    flops: float
    peak_bytes: float
    kind: str = "jax"
    modeled: bool = True


# ---------------------------------------------------------------------------------------- shapes


def dataset_shape(config: dict, name: str) -> tuple[int, int, int]:
    """(n_train, n_test, d) of a synthetic data set of ``config['data']``."""
    sec = config["data"][name]
    d = {"circle": 2}.get(name, sec.get("dim", 2))
    return int(sec["n_train"]), int(sec["n_test"]), int(d)


def layer_sizes(d: int, width: int, depth: int, d_out: int = 1) -> list[int]:
    """n_0 = d, n_1 .. n_L = width, n_{L+1} = d_out."""
    return [d] + [width] * depth + [d_out]


def n_params(sizes: list[int], bias: bool) -> int:
    """Weights (and biases) of the MLP with these layer sizes."""
    return sum(a * b + (b if bias else 0) for a, b in zip(sizes[:-1], sizes[1:]))


def gram_sum(sizes: list[int]) -> int:
    """Sigma = sum_l (n_{l-1} + n_l): the inner dimensions of the per-layer Gram matrices."""
    return sum(a + b for a, b in zip(sizes[:-1], sizes[1:]))


def n_records(n_steps: int, n_dense: int, n_log: int) -> int:
    """Number of recorded steps of ``training.record_steps`` (without importing JAX)."""
    import numpy as np

    dense = np.arange(0, min(n_dense, n_steps) + 1)
    start = max(min(n_dense, n_steps), 1)
    logs = np.round(np.geomspace(start, n_steps, max(n_log, 2))).astype(int)
    return len(np.unique(np.concatenate([dense, logs, [0, n_steps]])))


def n_images(config: dict, imageset: str) -> int:
    im = config["data"]["images"]
    if imageset == "natural":
        return len(im.get("natural") or []) + len(im.get("files") or [])
    return int(im.get("text") or 0)


def fourier_features(mapping: str, d: int, n_freq: int) -> int:
    """Width of the Fourier-feature mapping (as ``fourier_features.n_features``)."""
    return {"none": d, "basic": 2 * d}.get(mapping, 2 * n_freq)


# ------------------------------------------------------------- flop formulas (shapes -> flops)


def ntk_flops(n: int, p: int, sig: int, seeds: int) -> float:
    """Empirical NTK parts of ``seeds`` inits on n points: S (4 N P + 2 N^2 Sigma)."""
    return float(seeds) * (4 * n * p + 2 * n * n * sig)


def train_flops(n: int, m_test: int, p: int, sig: int, seeds: int, steps: int, records: int) -> float:
    """``training.train_sweep``: S (T (6 N P + 2 N (N + M)) + R (2 (N + M) P + 2 N^2 Sigma + 10 N^3)
    + 2 N (N + M) Sigma)."""
    per_step = 6 * n * p + 2 * n * (n + m_test)
    per_rec = 2 * (n + m_test) * p + 2 * n * n * sig + 10 * n**3
    return float(seeds) * (steps * per_step + records * per_rec + 2 * n * (n + m_test) * sig + 10 * n**3)


def fourier_mlp_params(dim: int, width: int, hidden: int, d_out: int = 3) -> int:
    """Parameters of ``image_regression.init_mlp``: D W + (H-1) W^2 + W d_out, plus biases."""
    return dim * width + (hidden - 1) * width * width + width * d_out + hidden * width + d_out


def fourier_flops(n_img: int, p: int, q: int, full: int, dim: int, pm: int, steps: int, evals: int) -> float:
    """``image_regression.fit_images`` of n images: n (T 6 P Pm + T 12 Pm + E 2 (P + Q) Pm + 2 R Pm)
    + 4 (P + Q + R) D (R = full grid pixels, the reconstruction; the last term the encoding)."""
    return (
        float(n_img) * (steps * 6 * p * pm + steps * 12 * pm + evals * 2 * (p + q) * pm + 2 * full * pm)
        + 4 * (p + q + full) * dim
    )


# ------------------------------------------------------------------------------ per-rule models


def _ntk_cost(config: dict, depth: int, width: int, seeds: int) -> Cost:
    sec = config["ntk"]
    n, _, d = dataset_shape(config, sec["dataset"])
    m = int(width)
    sizes = layer_sizes(d, m, depth)
    p = n_params(sizes, sec["net"].get("b_std") is not None)
    flops = ntk_flops(n, p, gram_sum(sizes), seeds)
    per_seed = F32 * (p + (depth + 1) * (2 * n * m + n * n))
    batch = max(1, min(seeds, (512 * 2**20) // per_seed))
    peak = batch * per_seed + F32 * seeds * (depth + 1) * n * n
    return Cost(flops, peak)


def cost_ntk_init(config: dict, width) -> Cost:
    sec = config["ntk"]
    return _ntk_cost(config, int(sec["net"]["depth"]), int(width), int(sec["seeds"]))


def cost_ntk_depth(config: dict) -> Cost:
    """The ntk_init model summed over depths x widths of ntk.depth_sweep; peak at the largest."""
    sw = config["ntk"]["depth_sweep"]
    costs = [_ntk_cost(config, int(l), int(m), int(sw["seeds"])) for l in sw["depths"] for m in sw["widths"]]
    return Cost(sum(c.flops for c in costs), max(c.peak_bytes for c in costs))


def cost_ntk_analytic(config: dict) -> Cost:
    sec = config["ntk"]
    n, _, _ = dataset_shape(config, sec["dataset"])
    return Cost(100.0 * n * n * (sec["net"]["depth"] + 1), 8 * 10 * n * n, kind="nt")


def cost_train(config: dict, arch, width) -> Cost:
    sec = config["train"]
    a = sec["archs"][arch]
    n, mt, d = dataset_shape(config, a["dataset"])
    m = int(width)
    sizes = layer_sizes(d, m, a["depth"])
    p = n_params(sizes, a.get("b_std") is not None)
    sig = gram_sum(sizes)
    s, t = int(sec["seeds"]), int(sec["steps"])
    rec = sec.get("record") or {"dense": 10, "log": 30}
    r = n_records(t, rec["dense"], rec["log"])
    flops = train_flops(n, mt, p, sig, s, t, r)
    at_once = s if sec.get("seed_batch") is None else min(s, int(sec["seed_batch"]))
    peak = F32 * (
        4 * s * p + 6 * at_once * (n + mt) * m * a["depth"] + r * s * (2 * n + 2 * mt + 8) + 3 * s * n * n
    )
    return Cost(flops, peak)


def cost_train_jacot(config: dict, width) -> Cost:
    jac = config["train"]["jacot"]
    n, _, d = dataset_shape(config, jac["dataset"])
    m = int(width)
    sizes = layer_sizes(d, m, jac["depth"])
    p = n_params(sizes, jac.get("b_std") is not None)
    g = int(jac["n_gamma"])
    i, t = int(jac["inits"]), int(jac["steps"])
    flops = i * (6 * n * p * t + 2 * (4 * g * p + 2 * g * gram_sum(sizes)))
    peak = F32 * i * (4 * p + 3 * max(n, g) * m * jac["depth"])
    return Cost(flops, peak)


def _conv_arch_shape(config: dict, arch) -> tuple[int, int]:
    a = config["train"]["archs"][arch]
    n, _, _ = dataset_shape(config, a["dataset"])
    return n, a["depth"]


def cost_convergence_kinf(config: dict, arch) -> Cost:
    n, depth = _conv_arch_shape(config, arch)
    return Cost(100.0 * n * n * (depth + 1), 8 * 10 * n * n, kind="nt")


def cost_convergence_fit(config: dict, arch, width) -> Cost:
    sec = config["train"]
    n, _ = _conv_arch_shape(config, arch)
    s, t = int(sec["seeds"]), int(sec["steps"])
    rec = sec.get("record") or {"dense": 10, "log": 30}
    r = n_records(t, rec["dense"], rec["log"])
    flops = s * (10 * n**3 + 2 * r * n * n) + 10 * n**3
    peak = 8 * (3 * s * n * n + s * r * 4 * n)
    return Cost(flops, peak, kind="jax")


def _fourier_cost(config: dict, imageset: str, mapping: str) -> Cost:
    sec = config["fourier"]
    r = int(config["data"]["images"]["resolution"])
    n = n_images(config, imageset)
    p = q = (r // 2) ** 2
    dim = fourier_features(mapping, 2, int(sec["n_freq"]))
    w, h = int(sec["width"]), int(sec["hidden_layers"])
    pm = fourier_mlp_params(dim, w, h)
    t = int(sec["steps"])
    e = -(-t // int(sec["eval_every"])) + 1
    flops = fourier_flops(n, p, q, r * r, dim, pm, t, e)
    b = n if int(sec.get("batch_images") or 0) <= 0 else min(n, int(sec["batch_images"]))
    peak = F32 * (b * (3 * p * (dim + h * w) + 5 * pm) + (p + q + r * r) * dim + n * (p + q + r * r) * 3 * 2)
    return Cost(flops, peak)


def cost_fourier_train(config: dict, imageset, mapping) -> Cost:
    return _fourier_cost(config, imageset, mapping)


def cost_fourier_sweep(config: dict, imageset, sigma=None) -> Cost:
    return _fourier_cost(config, imageset, "gaussian")


def cost_fourier_ntk(config: dict) -> Cost:
    kc = config["fourier"]["kernel"]
    dm = kc["demo"]
    g = int(kc["n_grid"])
    dim = 2 * int(kc["n_freq"])
    n_maps = 4 + len(kc["bandwidth_sigmas"])
    kernels = n_maps * (2 * g * g + 4 * g * dim)
    w, h = int(dm["width"]), int(kc["hidden_layers"])
    p_demo = 2 * int(dm["n_harmonics"]) * w + (h - 1) * w * w + 2 * w * h + 1
    demo = len(dm["powers"]) * int(dm["seeds"]) * 6 * int(dm["n_train"]) * p_demo * int(dm["steps"])
    peak = 8 * 4 * g * g + F32 * 5 * int(dm["seeds"]) * p_demo
    return Cost(kernels + demo, peak, kind="nt")


RULE_MODELS: dict[str, Callable[..., Cost]] = {
    "ntk_init": cost_ntk_init,
    "ntk_analytic": cost_ntk_analytic,
    "ntk_depth": cost_ntk_depth,
    "train": cost_train,
    "train_jacot": cost_train_jacot,
    "convergence_kinf": cost_convergence_kinf,
    "convergence_fit": cost_convergence_fit,
    "fourier_train": cost_fourier_train,
    "fourier_sweep": cost_fourier_sweep,
    "fourier_ntk": cost_fourier_ntk,
}


def _wildcard_dict(wildcards) -> dict:
    if wildcards is None:
        return {}
    if isinstance(wildcards, Mapping):
        return dict(wildcards)
    return dict(wildcards.items())  # snakemake.io.Wildcards


def job_cost(config: dict, rule: str, wildcards=None) -> Cost:
    """Cost of one job of ``rule`` with these wildcards (a dict or Snakemake's Wildcards)."""
    wc = _wildcard_dict(wildcards)
    if rule in RULE_MODELS:
        return RULE_MODELS[rule](config, **wc)
    if rule in CONSTANT_RULES:
        kind = CONSTANT_RULES[rule]
        return Cost(0.0, BASE_MB[kind] * 1e6 * 0.5, kind=kind)
    kind = "plot" if rule.endswith(("_summary", "_figure")) else "unknown"
    return Cost(0.0, 0.0, kind=kind, modeled=False)


# ------------------------------------------------------------------------------ wall-time model


def job_wall_s(
    cost: Cost, rule: str, flop_rate: float, gpu: bool = False, overhead_s: Mapping[str, float] | None = None
) -> float:
    """Predicted wall seconds of one job at ``flop_rate`` (flop/s: the probe's or a GPU's peak)."""
    kinds = dict(OVERHEAD_S, **(overhead_s or {}))
    over = RULE_OVERHEAD_S.get(rule, kinds[cost.kind])
    eff = GPU_EFFICIENCY if gpu else EFFICIENCY.get(rule, DEFAULT_EFFICIENCY)
    return over + (GPU_EXTRA_OVERHEAD_S if gpu and cost.flops else 0.0) + cost.flops / (flop_rate * eff)


def job_peak_mb(cost: Cost) -> float:
    return BASE_MB[cost.kind] + cost.peak_bytes / 1e6


def plan(config: dict, jobs: list[tuple[str, dict]]):
    """One row per rule (first-seen order) from the DAG's ``jobs`` [(rule, wildcards)]: rule, jobs,
    flops_per_job (mean), flops (sum), peak_bytes_per_job (max), peak_mb (max, with the process base),
    kind, modeled. ``jobs`` comes from ``dag_jobs`` (a Snakemake dry run) or a test."""
    import pandas as pd

    rows: dict[str, dict] = {}
    per_job = []
    for rule, wc in jobs:
        c = job_cost(config, rule, wc)
        per_job.append((rule, wc, c))
        r = rows.setdefault(
            rule,
            {
                "rule": rule,
                "jobs": 0,
                "flops": 0.0,
                "peak_bytes_per_job": 0.0,
                "peak_mb": 0.0,
                "kind": c.kind,
                "modeled": c.modeled,
                "_costs": [],
            },
        )
        r["jobs"] += 1
        r["flops"] += c.flops
        r["peak_bytes_per_job"] = max(r["peak_bytes_per_job"], c.peak_bytes)
        r["peak_mb"] = max(r["peak_mb"], job_peak_mb(c))
        r["_costs"].append(c)
    df = pd.DataFrame(
        list(rows.values()),
        columns=["rule", "jobs", "flops", "peak_bytes_per_job", "peak_mb", "kind", "modeled", "_costs"],
    )
    df.insert(2, "flops_per_job", df["flops"] / df["jobs"].clip(lower=1))
    return df


def stage_order(rules, stage_names) -> list[str]:
    """``rules`` sorted by their stage (the stage whose name prefixes the rule, registry order; rules of
    no stage last), then by name."""
    names = list(stage_names)

    def key(rule):
        idx = next((i for i, s in enumerate(names) if rule == s or rule.startswith(s + "_")), len(names))
        return (idx, rule)

    return sorted(rules, key=key)


def predict(
    df,
    flop_rate: float,
    gpu: bool = False,
    overhead_s: Mapping[str, float] | None = None,
    column: str | None = None,
):
    """Add the predicted wall seconds per rule (sum over its jobs) at ``flop_rate`` as ``column``
    (default ``wall_gpu_s`` / ``wall_cpu_s``); returns a copy."""
    column = column or ("wall_gpu_s" if gpu else "wall_cpu_s")
    out = df.copy()
    out[column] = [
        sum(job_wall_s(c, rule, flop_rate, gpu, overhead_s) for c in costs)
        for rule, costs in zip(out["rule"], out["_costs"])
    ]
    return out


# ---------------------------------------------------------------------- SLURM resources for rules

MEM_FLOOR_MB = 2000  # the SLURM profile's default; a GPU job's host process alone takes ~1 GB
RUNTIME_FLOOR_MIN = 5
SAFETY = 3.0  # runtime asked = SAFETY x predicted (queues kill jobs that overrun)
MEM_SAFETY = 1.5
# Flop rates the resources are sized for (conservative): a slow CPU core and an A100-class GPU
# (19.5 TFLOP/s fp32; 15 assumed) reaching GPU_EFFICIENCY of it, not the default H100 of ``plan``.
REFERENCE_CPU_GFLOPS = 20.0
REFERENCE_GPU_TFLOPS = 15.0


def job_mem_mb(config: dict, rule: str, wildcards=None) -> int:
    """``mem_mb`` of one job for ``resources:`` (peak model x 1.5, at least MEM_FLOOR_MB). For GPU rules
    the peak is the device memory, an upper bound of what the host process needs."""
    return int(max(MEM_FLOOR_MB, math.ceil(MEM_SAFETY * job_peak_mb(job_cost(config, rule, wildcards)))))


def job_runtime_min(config: dict, rule: str, wildcards=None, gpu: bool = False) -> int:
    """``runtime`` (minutes) of one job for ``resources:``: 3x the predicted wall time on a reference CPU
    core (``gpu=False``) or a reference GPU (``gpu=True``: rules that declare gpu=1), at least 5 min."""
    c = job_cost(config, rule, wildcards)
    rate = REFERENCE_GPU_TFLOPS * 1e12 if gpu else REFERENCE_CPU_GFLOPS * 1e9
    wall = job_wall_s(c, rule, rate, gpu=gpu)
    return int(max(RUNTIME_FLOOR_MIN, math.ceil(SAFETY * wall / 60)))


def resources(config: dict, rule: str, gpu: bool = False, **wildcards) -> dict:
    """{"mem_mb": ..., "runtime": ...} of one job of ``rule``."""
    return {
        "mem_mb": job_mem_mb(config, rule, wildcards),
        "runtime": job_runtime_min(config, rule, wildcards, gpu=gpu),
    }


# -------------------------------------------------------------------------- the DAG (dry run)

_RULE_RE = re.compile(r"^(?:local)?rule (\w+):\s*$")
_WC_RE = re.compile(r"^\s+wildcards: (.*)$")
_BENCH_RE = re.compile(r"^\s+benchmark: (.*)$")


def parse_dry_run(text: str) -> list[dict]:
    """Jobs of a ``snakemake -n`` (not ``--quiet``) listing: [{"rule", "wildcards", "benchmark"}]."""
    jobs, cur = [], None
    for line in text.splitlines():
        m = _RULE_RE.match(line)
        if m:
            cur = {"rule": m.group(1), "wildcards": {}, "benchmark": None}
            jobs.append(cur)
            continue
        if cur is None:
            continue
        m = _WC_RE.match(line)
        if m:
            cur["wildcards"] = dict(kv.split("=", 1) for kv in m.group(1).split(", ") if "=" in kv)
            continue
        m = _BENCH_RE.match(line)
        if m:
            cur["benchmark"] = m.group(1).strip()
        elif not line.strip():
            cur = None
    return jobs


def dag_jobs(
    snakefile: str, configfile: str, snakemake: str = "snakemake", cwd: str | None = None
) -> list[dict]:
    """Every job of the workflow on ``configfile`` (a forced dry run in an empty temporary directory,
    so all jobs are listed whatever exists in results/)."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ntk_plan_") as tmp:
        cmd = [
            snakemake,
            "--snakefile",
            os.path.abspath(snakefile),
            "--configfile",
            os.path.abspath(configfile),
            "--directory",
            tmp,
            "-n",
            "--forceall",
            "--cores",
            "1",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
        if proc.returncode != 0:
            raise RuntimeError(f"snakemake dry run failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    return [j for j in parse_dry_run(proc.stdout + "\n" + proc.stderr) if j["rule"] != "all"]


# ------------------------------------------------------------------------------- flop-rate probe


def probe_flop_rate(n: int = 1024, seconds: float = 0.3, per_core: bool = False) -> float:
    """float32 (n x n) @ (n x n) matmuls with JAX on the default device for about ``seconds``; returns
    the best flop/s of wall time, or with ``per_core`` the best flop per CPU second of this process
    (all threads): a CPU core's rate, which the load of a shared machine barely changes."""
    import time

    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
    f = jax.jit(lambda x: x @ x)
    f(a).block_until_ready()
    best_wall = best_cpu = math.inf
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end or best_wall is math.inf:
        t0, c0 = time.perf_counter(), time.process_time()
        f(a).block_until_ready()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, max(time.process_time() - c0, 1e-6))
    return 2.0 * n**3 / (best_cpu if per_core else best_wall)
