"""Cost model of the pipeline's jobs: flops and peak memory from the config's shapes, wall time from a
flop rate.

A job's predicted wall time is

    wall = overhead(rule) + flops / (flop_rate * efficiency(rule))

``overhead`` is the fixed start-up of one job (Python, imports, jit compilation, reading and writing
files, figures): ``OVERHEAD_S`` by rule kind (``RULE_OVERHEAD_S`` for a few rules), in seconds
measured on the 2-core development machine; summaries, figures and data jobs are overhead only. On
a CPU ``flop_rate`` is ONE core's float32 matmul rate (``probe_flop_rate(per_core=True)``: flops per
CPU second, which the load of a shared machine barely changes), because Snakemake fills the cores
with one job each; the rule's prediction is the sum over its jobs, so a run on c cores takes about
the total / c. On a GPU it is the card's fp32 peak (jobs one after another on one card).
``efficiency`` (``EFFICIENCY``) is the fraction of that rate a rule's programs reach (small or
elementwise-bound arrays reach less than one large matmul; calibrated on the default config, see the
README and the comment at ``EFFICIENCY``). A rule with no flop model here (e.g. a stage added later)
is predicted as overhead only and marked ``modeled = False``.

Flops count a multiply-add as 2. Notation: S seeds (or inits, images), N train points, M test points,
d input dimension, layer sizes n_0 = d, n_1 .. n_L = m (width), n_{L+1} = 1, P = sum_l n_{l-1} n_l
(+ biases) parameters, Sigma = sum_{l=1}^{L+1} (n_{l-1} + n_l), T steps, R recorded steps.

- ntk_init (one width, ``ntk_empirical.ntk_parts`` per seed): forward + backward signals 4 N P, the
  per-layer Gram matrices H H^T and G G^T 2 N^2 Sigma:   S (4 N P + 2 N^2 Sigma).
  Memory: seeds batched under ``stages.ntk.MEMORY_BUDGET`` (512 MB) of 4 (P + (L+1)(2 N m + N^2)) bytes
  each, plus the S (L+1) N^2 output.
- ntk_depth (one job): the ntk_init model summed over every (depth, width) of ntk.depth_sweep, plus
  one jit compilation (``COMPILE_S``) per (depth, width).
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
- fourier_train / fourier_sweep (one image set x mapping / swept scale): n images of P = (r/2)^2 train and
  Q = (r/2)^2 test pixels, D features (``fourier_features.n_features``), a coordinate MLP of
  Pm = D W + (H-1) W^2 + 3 W (+ biases) parameters trained by full-batch Adam:
      n (T 6 P Pm + T 12 Pm + E 2 (P + Q) Pm + 2 r^2 Pm) + 4 (P + Q + r^2) D
  (E = T / eval_every + 1 evaluations, the last term the reconstruction). Memory: b images at once
  (``batch_images``, 0 = all), each 3 P (D + H W) activation floats and 5 Pm optimiser floats, plus the
  features (P + Q + r^2) D.
- fourier_ntk: per mapping (and per bandwidth sigma x draw of B) the kernel profiles and spectra on the
  n_grid grid (~ 2 n_grid^2 + anchors n_grid D), and per power of the 1D demo an ensemble of
  ``seeds`` MLPs (width w, H hidden layers) trained by GD for ``steps`` steps on n_train points:
  seeds 6 n_train P_demo steps.
- realdata_fig3 (one job; N = fig3.n_points digits, d = 64, the fig3 net of depth L with bias): the
  analytic NTK on the batch and its kernel PCA, then per width of fig3.widths S trials of T GD steps
  with R records, K0 and K_T and the numpy eigh of each K0:
      100 N^2 (L + 1) + 10 N^3 + sum_w S (6 N P T + 2 N P R + 2 (4 N P + 2 N^2 Sigma) + 10 N^3).
  Memory: S (4 P + 3 N m L + 2 N^2) floats at the widest width plus 3 N^2 float64.
- realdata_regression (one data set: n = min(max_train, training rows), m test rows, d inputs and C
  outputs from ``REAL_SETS``): per depth l of regression.depths the analytic NTK / NNGP on the n + m
  rows and one eigh per kernel and CV fold (F folds + the final fit); per width of regression.widths
  S seeds of T GD steps of the regression.net (C outputs) and its outputs on the n + m rows:
      sum_l (100 (n + m)^2 (l + 1) + 20 (F + 1) n^3) + sum_w S (6 n P T + 4 (n + m) P)
  (scikit-learn's RBF ridge grid and random forests, ~1 s, are left to the efficiency).
- spectra_analytic: Q quadrature nodes of both rules (``sphere_spectrum.rule_size``: order x (panels +
  graded panels), the fine rule of ``sphere_spectrum.fine_params``), K = k_max, D dims, L depths: per d the
  Legendre tables (~6 (K + 1) Q), per (depth, bias) the kernels at the nodes and mu = A kappa for
  2 kernels x 2 rules (~8 (K + 1) Q):   D (8 L + 6) (K + 1) Q.   Memory: 3 (K + 1) Q float64.
- spectra_gram: per d, N of gram.n_points and seed the depth-1 analytic NTK on N points and the
  eigvalsh of the N x N Gram matrix:   D S sum_N (10 N^3 + 2 N^2 (d + 50)).   Memory: 3 S N_max^2 float64.
- spectra_learning: S seeds of T GD steps of the one-hidden-layer net with bias (width m, d = 2) on N
  circle points, K0 and K_T:   S (6 N P T + 2 (4 N P + 2 N^2 Sigma) + 10 N^3), x2 in float64
  (spectra.learning.x64 or the config's x64).
- regimes_circle (circle data, N train, M test points, d = 2, bias-free two-layer nets P = 3 m): the
  alpha sweep, A alphas x S seeds of T_a GD steps at width m_a plus the linearised model, and the
  width sweep, p parameterisations x S seeds of T_w steps per width:
      S T_a (A 6 N P_a + 2 N (N + M)) + sum_w p S T_w 6 N P_w.
  Memory: 6 floats per parameter and hidden activation of the runs stacked in one program.
- regimes_mup (digits MLPs 64 -> w (depth times) -> 10, no bias, P_w): the coordinate check, p
  parameterisations x O optimizers x S seeds x T_c steps on a batch of B_c, and the learning-rate
  transfer (the checked sweep, Adam, and the SGD reference), p x n_lr rates x S seeds of T_r steps
  on batches of B_r each (the loss: the minibatch losses of the last quarter of the steps):
      sum_w p O S T_c 6 B_c P_w + sum_w p (n_lr S + n_lr' S') 6 T_r B_r P_w.
- regimes_teacher: n_tau x trials students (P = units (dim + 1)) trained T steps on N points, test
  loss every ``eval_every`` steps on M points:   n_tau trials (6 N P T + (T / eval_every + 2) 2 M P).
- depth_theory (numpy float64): the quadrature study, A activations x O orders x C = 112 covariances x
  (n^2 + n_ref^2) evaluations of phi and phi' (~20 flops each) plus the wide-kernel Monte Carlo
  A x 2 covariances x S x n: ~ 20 A (C sum_o (n_o^2) + C n_ref^2 + 8 S_w n_w).
- depth_nets: S seeds x (G L n_1 240 + X L (2 n K^2 + 10 K^3 + 70 n K)) (gradient norms on G grid points,
  sampled nets of width n_1 = chi1_width: ~4 normal draws per unit and layer; Grams of K = 3P inputs on
  X sw2 values, sampled by Gaussian conditioning: the Gram, its eigh and n (K + 1) normal draws per
  layer), x2 in float64.
  depth_ntk: the NTK per sw2 of S_k R nets (R read-out depths, one net each;
  S_k = ntk.seeds in the ordered phase, x2 for float64, ntk.chaotic_seeds in the chaotic one,
  float32 unless ntk.chaotic_x64), each sampled by Gaussian conditioning over the deepest L layers
  (masked above its own depth): per layer 3 n K normal draws (~50 flops each on a CPU: threefry)
  and ~40 n K^2 flops of Gram-Schmidt, projections and Gram matrices (K = 2 inputs).
- depth_gauss: 2 activations x widths x nets x depth x n (exact conditional sampling: n normal draws
  and ~3n flops per layer, ~30 n in all).
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

# Start-up of one job in seconds: Python + imports (bytecode precompiled at install) + jit compilation +
# file I/O. "jax": a jitted compute job; "nt": imports neural-tangents too; "plot": summaries and
# figures (matplotlib, tables); "data": numpy-only jobs, no jit compilation (data generation,
# scikit-image; convergence_fit's float64 eigendecompositions). Calibrated on the benchmarks of an
# idle default run with --cores 2 on the 2-core machine: between a job's CPU and wall seconds (two
# jobs share the cores, so wall > CPU for single-threaded jobs).
OVERHEAD_S = {"jax": 4.2, "nt": 4.0, "plot": 12.0, "data": 1.8, "unknown": 8.0}
# Rules whose start-up differs from their kind's: train compiles one large program (GD, records,
# kernel drift, linearised model; lax.scan + cond) of ~10 s; realdata_data imports scikit-learn and
# writes five sets; report_tables reads every stage's tables but draws no figure (no matplotlib).
RULE_OVERHEAD_S = {"train": 10.0, "realdata_data": 5.0, "report_tables": 5.0}
# GPU start-up: the same imports plus CUDA initialisation and a slower first compilation.
GPU_EXTRA_OVERHEAD_S = 4.0
# Seconds of jit compilation per program for the rules whose model counts their programs
# (``Cost.compiles``; ntk_depth: one per (depth, width), measured 2-5 s each, deeper nets longer).
COMPILE_S = 3.5

# Fraction of the probe's matmul rate a rule's program reaches on a CPU (calibrated on the default
# config's benchmarks at ~60 GFLOP/s per core, see README). Small (N x m) arrays and elementwise work
# reach less than one big matmul. At the default sizes several rules are bound by jit compilation
# (one program per shape), not by their flops: their efficiency (< 0.1) is an effective one that
# absorbs the compilations, so it over-predicts the same rule at much larger sizes: regimes_circle,
# spectra_analytic (float64 kernels at ~1e5 quadrature
# nodes, op by op), spectra_learning, realdata_regression (kernels per depth, a program per width,
# scikit-learn baselines), fourier_ntk. ntk_depth counts its programs instead (COMPILE_S each).
# The others are flop-bound at the default sizes.
EFFICIENCY = {
    "ntk_init": 0.3,
    "ntk_depth": 0.075,
    "ntk_activations": 0.075,
    "train": 0.25,
    "train_jacot": 0.7,
    "convergence_fit": 0.2,
    "convergence_kinf": 0.05,
    "fourier_train": 0.35,
    "fourier_sweep": 0.35,
    "fourier_ntk": 0.06,
    "ntk_analytic": 0.05,
    "realdata_fig3": 0.75,
    "realdata_regression": 0.08,
    "spectra_analytic": 0.005,
    "spectra_gram": 1.0,  # N to 800, 24 draws: the model's 10 N^3 overstates eigvalsh (~4/3 N^3 + O(N^2))
    "spectra_learning": 0.3,  # width 8192, 6 seeds vmapped: larger matmuls use the core better
    "regimes_circle": 0.05,  # recalibrated for the 1000-step alpha sweep (15 s CPU measured, --cores 1)
    "regimes_mup": 0.2,  # recalibrated for the Adam transfer + SGD reference (40 s CPU measured, --cores 1)
    "regimes_teacher": 0.7,
    "depth_theory": 0.01,  # numpy quadrature, element-wise: recalibrated 2026-12-06 (10 s CPU measured)
    "depth_nets": 0.2,  # sampled Grams and gradient norms (16 s CPU measured, 2026-12-06)
    "depth_ntk": 0.04,  # threefry normal draws dominate (16 s CPU measured, 2026-12-06)
    "depth_gauss": 0.1,
    "depth_trainability": 0.05,  # vmapped (32 x 32) matmuls: far from the matmul peak
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
    "train_jacot_figure": "plot",
    "convergence_summary": "plot",
    "fourier_summary": "plot",
    "report_tables": "plot",
    "realdata_data": "data",
    "realdata_summary": "plot",
    "spectra_summary": "plot",
    "regimes_summary": "plot",
    "depth_summary": "plot",
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
    compiles: int = 0  # jit programs compiled by the job beyond its start-up (COMPILE_S each)


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
    return Cost(sum(c.flops for c in costs), max(c.peak_bytes for c in costs), compiles=len(costs))


def cost_ntk_activations(config: dict) -> Cost:
    """Per extra activation: the ntk_init model at each width of ntk.activations plus its float64
    limit kernel (2 N^2 n^2 phi / phi' evaluations per quadrature layer at n = 256, ~20 flops each)."""
    sec = config["ntk"]
    act = sec["activations"]
    n, _, _ = dataset_shape(config, sec["dataset"])
    depth = int(sec["net"]["depth"])
    costs = [_ntk_cost(config, depth, int(m), int(act["seeds"])) for m in act["widths"]]
    flops = len(act["names"]) * (sum(c.flops for c in costs) + 20.0 * 2 * n * n * 256**2 * depth)
    peak = max(c.peak_bytes for c in costs) + 8 * 3 * n * 256**2
    return Cost(float(flops), peak, compiles=len(act["names"]) * (len(costs) + 1))


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
    s, t = int(a.get("seeds") or sec["seeds"]), int(sec["steps"])
    rec = sec.get("record") or {"dense": 10, "log": 30}
    r = n_records(t, rec["dense"], rec["log"])
    x64 = 2.0 if a.get("x64") or config.get("x64") else 1.0  # float64: about twice the time on a CPU
    flops = train_flops(n, mt, p, sig, s, t, r) * x64
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
    s, t = int(sec["archs"][arch].get("seeds") or sec["seeds"]), int(sec["steps"])
    rec = sec.get("record") or {"dense": 10, "log": 30}
    r = n_records(t, rec["dense"], rec["log"])
    flops = s * (10 * n**3 + 2 * r * n * n) + 10 * n**3
    peak = 8 * (3 * s * n * n + s * r * 4 * n)
    return Cost(flops, peak, kind="data")  # numpy only: no jit compilation


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


def cost_fourier_sweep(config: dict, imageset, mapping="gaussian", scale=None) -> Cost:
    """One scale of the gaussian or positional sweep: the fourier_train model of that mapping."""
    return _fourier_cost(config, imageset, mapping)


def cost_fourier_ntk(config: dict) -> Cost:
    kc = config["fourier"]["kernel"]
    dm = kc["demo"]
    g = int(kc["n_grid"])
    dim = 2 * int(kc["n_freq"])
    n_maps = 4 + len(kc["bandwidth_sigmas"]) * int(kc.get("bandwidth_seeds", 1))
    kernels = n_maps * (2 * g * g + 4 * g * dim)
    w, h = int(dm["width"]), int(kc["hidden_layers"])
    p_demo = 2 * int(dm["n_harmonics"]) * w + (h - 1) * w * w + 2 * w * h + 1
    demo = len(dm["powers"]) * int(dm["seeds"]) * 6 * int(dm["n_train"]) * p_demo * int(dm["steps"])
    peak = 8 * 4 * g * g + F32 * 5 * int(dm["seeds"]) * p_demo
    return Cost(kernels + demo, peak, kind="nt")


# Rows, input dimension and outputs (classes; 1 = regression) of scikit-learn's bundled sets
# (``real_datasets.SETS``), and the test rows of a split (train_test_split rounds the test set up).
REAL_SETS = {
    "digits": (1797, 64, 10),
    "breast_cancer": (569, 30, 2),
    "wine": (178, 13, 3),
    "iris": (150, 4, 3),
    "diabetes": (442, 10, 1),
}


def real_split(config: dict, name: str) -> tuple[int, int, int, int]:
    """(n_train, n_test, d, C) of a ``realdata`` set after its split."""
    rows, d, c = REAL_SETS[name]
    n_test = math.ceil(float(config["realdata"]["test_fraction"]) * rows)
    return rows - n_test, n_test, d, c


def cost_realdata_fig3(config: dict) -> Cost:
    """PCA of the analytic NTK on N digits, then per width S trials of T GD steps, R records, K0 / K_T
    and the numpy eigh of each K0."""
    fig = config["realdata"]["fig3"]
    n, d, net = int(fig["n_points"]), REAL_SETS["digits"][1], fig["net"]
    depth, s, t, r = int(net["depth"]), int(fig["trials"]), int(fig["steps"]), int(fig["records"])
    flops, peak = 100.0 * n * n * (depth + 1) + 10 * n**3, 0.0
    for w in fig["widths"]:
        sizes = layer_sizes(d, int(w), depth)
        p = n_params(sizes, net.get("b_std") is not None)
        flops += s * (
            6 * n * p * t + 2 * n * p * r + 2 * (4 * n * p + 2 * n * n * gram_sum(sizes)) + 10 * n**3
        )
        peak = max(peak, F32 * s * (4 * p + 3 * n * int(w) * depth + 2 * n * n))
    return Cost(flops, peak + 8 * 3 * n * n)


def cost_realdata_regression(config: dict, dataset) -> Cost:
    """Per kernel-input convention and depth the analytic NTK / NNGP on the n + m rows and their
    (F + 1) eigh per kernel; per net width S seeds of T GD steps (centred, outputs on n + m rows before
    and after)."""
    sec = config["realdata"]["regression"]
    n_tr, m, d, c = real_split(config, dataset)
    n = min(n_tr, int(sec["max_train"])) if sec.get("max_train") else n_tr
    folds, s, t = int(sec["cv_folds"]), int(sec["seeds"]), int(sec["steps"])
    n_inputs = len(
        sec.get("inputs", ("standardised", "augmented_sphere", "sphere"))
    )  # kernel input conventions
    flops = n_inputs * sum(
        100.0 * (n + m) ** 2 * (int(l) + 1) + 2 * (folds + 1) * 10 * n**3 for l in sec["depths"]
    )
    net, peak = sec["net"], 8 * 4 * (n + m) ** 2
    for w in sec["widths"]:
        p = n_params(layer_sizes(d, int(w), int(net["depth"]), c), net.get("b_std") is not None)
        flops += s * (6 * n * p * t + 4 * (n + m) * p)
        peak = max(peak, F32 * s * (4 * p + 3 * (n + m) * int(w) * int(net["depth"])))
    return Cost(flops, peak)


def cost_spectra_analytic(config: dict) -> Cost:
    """Per d: Legendre tables on the Q nodes of both rules; per (d, depth, bias) the kernels at the
    nodes and mu = A kappa for 2 kernels x 2 rules."""
    from .sphere_spectrum import fine_params, rule_size

    sec = config["spectra"]
    k, q = int(sec["k_max"]), sec["quadrature"]
    order, ppp = int(q["order"]), float(q["panels_per_period"])
    nodes = rule_size(k, order, ppp) + rule_size(k, **fine_params(order, ppp))  # the rule and its refinement
    n_dims, n_depths = len(sec["dims"]), len(sec["depths"])
    flops = n_dims * (2 * n_depths * 4 + 6) * (k + 1) * nodes
    return Cost(float(flops), 8 * 3 * (k + 1) * nodes)


def cost_spectra_gram(config: dict) -> Cost:
    """Per d, N and seed: the depth-1 analytic NTK on N points and eigvalsh of the N x N Gram matrix."""
    sec = config["spectra"]
    g = sec["gram"]
    s, ns = int(g["seeds"]), [int(n) for n in g["n_points"]]
    flops = sum(s * (10 * n**3 + 2 * n * n * (int(d) + 50)) for d in sec["dims"] for n in ns)
    return Cost(float(flops), 8 * 3 * s * max(ns) ** 2)


def cost_spectra_learning(config: dict) -> Cost:
    """S seeds of T GD steps of the one-hidden-layer net (bias) on N circle points, K0 / K_T."""
    ls = config["spectra"]["learning"]
    n, w, s, t = int(ls["n_points"]), int(ls["width"]), int(ls["seeds"]), int(ls["steps"])
    sizes = layer_sizes(2, w, 1)
    p = n_params(sizes, True)
    x64 = 2.0 if ls["x64"] or config.get("x64") else 1.0  # float64: about twice the time on a CPU
    flops = x64 * s * (6 * n * p * t + 2 * (4 * n * p + 2 * n * n * gram_sum(sizes)) + 10 * n**3)
    return Cost(float(flops), F32 * x64 * s * (4 * p + 3 * n * w + 2 * n * n))


def cost_regimes_circle(config: dict) -> Cost:
    """Alpha sweep: A alphas x S seeds of T GD steps of the two-layer net (width m_a, P_a = 3 m_a on the
    circle), the linearised model; width sweep: p parameterisations x S seeds x T' steps per width."""
    sec = config["regimes"]
    n, mt, d = dataset_shape(config, "circle")
    a, w, s = sec["alpha"], sec["width"], int(sec["seeds"])
    pa = n_params(layer_sizes(d, int(a["width"]), 1), False)
    alpha = s * int(a["steps"]) * (int(a["n"]) * 6 * n * pa + 2 * n * (n + mt))
    runs = len(w["parameterizations"]) * s
    width = sum(
        runs * int(w["steps"]) * 6 * n * n_params(layer_sizes(d, int(m), 1), False) for m in w["widths"]
    )
    peak = F32 * 6 * max(int(a["n"]) * s * (pa + (n + mt) * int(a["width"])), runs * 3 * n * max(w["widths"]))
    return Cost(float(alpha + width), peak)


def _mup_params(width: int, depth: int) -> int:
    """The digits MLP of regimes_mup (64 inputs, 10 outputs, no bias)."""
    return n_params(layer_sizes(64, width, depth, 10), False)


def cost_regimes_mup(config: dict) -> Cost:
    """Coordinate check: p x optimizers x S x steps x 6 B P per width; lr transfer (the checked sweep
    and the SGD reference): p x lrs x S x T 6 B P per width (B: batch; the loss is the minibatch
    loss of the last quarter of the steps, no extra evaluation). Peak: one width's stacked runs."""
    sec = config["regimes"]
    c, r = sec["coord"], sec["lr_transfer"]
    cw = [2**k for k in range(int(c["log2_width_min"]), int(c["log2_width_max"]) + 1)]
    n_c = len(c["parameterizations"]) * int(c["seeds"])  # runs of one compiled program
    coord = sum(n_c * int(c["steps"]) * 6 * int(c["batch"]) * _mup_params(m, int(c["depth"])) for m in cw)
    per_run = int(r["steps"]) * 6 * int(r["batch"])
    n_rs = []
    for grid, seeds in ((r, r["seeds"]), (r["sgd_reference"], r["sgd_reference"]["seeds"])):
        n_lrs = int((grid["log2_lr_max"] - grid["log2_lr_min"]) / r["log2_lr_step"]) + 1
        n_rs.append(len(r["parameterizations"]) * n_lrs * int(seeds))
    lr = sum(sum(n_rs) * per_run * _mup_params(int(m), int(r["depth"])) for m in r["widths"])
    big_c, big_r = _mup_params(max(cw), int(c["depth"])), _mup_params(max(r["widths"]), int(r["depth"]))
    return Cost(float(len(c["optimizers"]) * coord + lr), F32 * 6 * max(n_c * big_c, max(n_rs) * big_r))


def cost_regimes_teacher(config: dict) -> Cost:
    """n_tau x trials runs of T GD steps on N train points of the student (P = units (dim + 1)), test
    loss every ``eval_every`` steps on M points."""
    t = config["regimes"]["teacher"]
    runs, steps = int(t["n_tau"]) * int(t["trials"]), int(t["steps"])
    p = int(t["student_units"]) * (int(t["dim"]) + 1)
    n, m = int(t["n_train"]), int(t["n_test"])
    flops = runs * (6 * n * p * steps + (steps // int(t["eval_every"]) + 2) * 2 * m * p)
    peak = F32 * 6 * runs * (n + m) * (int(t["dim"]) + int(t["student_units"]))
    return Cost(float(flops), peak)


def cost_depth_theory(config: dict) -> Cost:
    """The quadrature study (112 covariances per activation and order), the wide-kernel Monte Carlo."""
    sec = config["depth"]
    q, w = sec["quadrature"], sec["wide_kernel"]
    n_act, cov = 11, 112
    evals = cov * (sum(int(o) ** 2 for o in q["orders"]) + int(q["reference_order"]) ** 2)
    flops = 20.0 * n_act * (evals + 8 * int(w["seeds"]) * int(w["width"]))
    peak = 8 * 4 * 64 * int(q["reference_order"]) ** 2 + 8 * 4 * int(w["seeds"]) * int(w["width"])
    return Cost(flops, peak, kind="data")


def cost_depth_nets(config: dict) -> Cost:
    """Gradient norms on the sw2 grid (sampled nets, O(n) per layer), pair correlations on the xi sw2
    values (sampled Grams, O(n K^2) per layer, K = 3 pairs inputs)."""
    sec = config["depth"]
    p, t = sec["propagation"], sec["theory"]
    g = int(round((t["sigma_w2_max"] - t["sigma_w2_min"]) / t["sigma_w2_step"])) + 1
    n, depth, s = int(p["width"]), int(p["depth"]), int(p["seeds"])
    x64 = 2.0 if sec["nets_x64"] else 1.0
    # chi_1: sampled nets of width chi1_width, ~4 normals (~50 flops each: threefry) per unit and layer
    chi1 = x64 * s * g * depth * int(p["chi1_width"]) * 4 * 60
    # xi_c: per net, sw2 and layer the Gram A^T A (2 n K^2), its eigh (~10 K^3), n (K + 1) normals
    # and ~20 flops of phi per unit and input (random_nets.grams_sampled)
    kin = 3 * int(p["pairs"])
    per_layer = 2 * n * kin**2 + 10 * kin**3 + 50 * n * (kin + 1) + 20 * n * kin
    prop = chi1 + x64 * s * depth * len(p["xi_sigma_w2"]) * per_layer
    x = len(p["xi_sigma_w2"])  # vmapped over seeds and sw2: h and phi(h) (n, K), the Grams by layer
    return Cost(float(prop), 8 * s * x * (2 * n * kin + depth * kin * kin), compiles=2)


def cost_depth_ntk(config: dict) -> Cost:
    """The empirical NTK by depth, per sw2 (ordered: ntk.seeds, chaotic: ntk.chaotic_seeds nets per
    read-out depth), sampled by Gaussian conditioning: O(n K) work per layer and net."""
    sec = config["depth"]
    k = sec["ntk"]
    x64 = 2.0 if sec["nets_x64"] else 1.0
    nk, dk, kin = int(k["width"]), int(k["depth"]), 2
    reads = len(range(1, dk + 1, int(k["stride"]))) + int(k["outputs"])
    per_net = dk * (3 * nk * kin * 50 + 40 * nk * kin * kin)
    # which ntk sw2 is chaotic needs the fixed-point theory; the model assumes half of them are
    n_sw2 = len(k["sigma_w2"])
    chaotic = n_sw2 // 2
    x64_chaotic = x64 if k.get("chaotic_x64") else 1.0
    nets = reads * (
        (n_sw2 - chaotic) * int(k["seeds"]) * x64 + chaotic * int(k["chaotic_seeds"]) * x64_chaotic
    )
    chunk_bytes = 2.5e8  # depth_nets.NTK_CHUNK_BYTES: the stored layers of one chunk of nets
    return Cost(float(per_net * nets), chunk_bytes, compiles=n_sw2)


def cost_depth_gauss(config: dict) -> Cost:
    """Two activations x widths x nets x depth x (matmul 2 n^2 + n^2 normal draws at ~10 flops)."""
    ng = config["depth"]["nongauss"]
    depth, nets, chunk = int(ng["depth"]), int(ng["nets"]), int(ng["chunk"])
    flops = sum(2 * nets * depth * 30 * int(w) for w in ng["widths"])
    peak = F32 * 2 * chunk * depth * max(int(w) for w in ng["widths"])
    return Cost(float(flops), peak, compiles=2 * len(ng["widths"]))


def cost_depth_trainability(config: dict) -> Cost:
    """Every (depth, sw2) net of depth.trainability trains max(depths) layers (masked): per net
    steps x (6 batch (d_in + L n) n) + the forward of n_train at the end; one compiled program."""
    tr = config["depth"]["trainability"]
    nets = len(tr["depths"]) * int(tr["n_sigma_w2"])
    n, lmax, steps, batch = (
        int(tr["width"]),
        max(int(d) for d in tr["depths"]),
        int(tr["steps"]),
        int(tr["batch"]),
    )
    per_net = steps * 6 * batch * (64 + lmax * n) * n + 2 * int(tr["n_train"]) * (64 + lmax * n) * n
    peak = F32 * nets * (steps * batch + (lmax + 1) * n * n + 4 * lmax * batch * n)
    return Cost(float(nets * per_net), peak, compiles=1)


RULE_MODELS: dict[str, Callable[..., Cost]] = {
    "ntk_init": cost_ntk_init,
    "ntk_analytic": cost_ntk_analytic,
    "ntk_depth": cost_ntk_depth,
    "ntk_activations": cost_ntk_activations,
    "train": cost_train,
    "train_jacot": cost_train_jacot,
    "convergence_kinf": cost_convergence_kinf,
    "convergence_fit": cost_convergence_fit,
    "fourier_train": cost_fourier_train,
    "fourier_sweep": cost_fourier_sweep,
    "fourier_ntk": cost_fourier_ntk,
    "realdata_fig3": cost_realdata_fig3,
    "realdata_regression": cost_realdata_regression,
    "spectra_analytic": cost_spectra_analytic,
    "spectra_gram": cost_spectra_gram,
    "spectra_learning": cost_spectra_learning,
    "regimes_circle": cost_regimes_circle,
    "regimes_mup": cost_regimes_mup,
    "regimes_teacher": cost_regimes_teacher,
    "depth_theory": cost_depth_theory,
    "depth_nets": cost_depth_nets,
    "depth_ntk": cost_depth_ntk,
    "depth_gauss": cost_depth_gauss,
    "depth_trainability": cost_depth_trainability,
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
    start = over + cost.compiles * COMPILE_S + (GPU_EXTRA_OVERHEAD_S if gpu and cost.flops else 0.0)
    return start + cost.flops / (flop_rate * eff)


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
