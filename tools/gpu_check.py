"""GPU check: time the GPU rules' compute at paper scale for a bounded time, on any JAX.

    python tools/gpu_check.py [--budget-s 240] [--out gpu_check.json] [--peak-tflops T]
    python tools/gpu_check.py --tiny          # CI on a CPU: the same code at a tiny size, ~30 s
    make gpu-check                            # the .venv's JAX, JSON in results/gpu_check.json

Imports only jax, numpy, optax and pipeline modules that do not import neural-tangents (models,
training, ntk_empirical, image_regression, fourier_features, datasets, cost_model), so it runs on
any JAX from the pinned 0.5.3 to the newest, without Snakemake. Parts (each stops at its share of
the time budget; at most ~5 minutes in all on one GPU, compilation included):

1. train: ``training.train_sweep`` (the train rule's program: GD, records, kernel drift, linearised
   model) of the two-layer ReLU net on 64 circle points, 10 seeds vmapped, widths 2^10 .. 2^18.
2. ntk: the empirical NTK (``ntk_empirical.ntk``, tiled) of the two-layer ReLU net at N = 4096 circle
   points, width 16384.
3. fourier: one 512 px image, Gaussian Fourier features (256 frequencies), a 3 x 256 ReLU MLP
   trained by full-batch Adam on the 256^2 training pixels (``image_regression``) for up to 300 steps.

Printed and written (``--out``, JSON) per part: size, steps/s (calls/s for the NTK), achieved GFLOP/s
(flops from ``pipeline.cost_model``'s formulas) vs the device's fp32 peak, compile seconds and the peak
memory (the device's ``memory_stats()['peak_bytes_in_use']`` where available, else the process's max
RSS). The device's peak: a table of known GPUs by ``device_kind`` (``--peak-tflops`` to give it), on
a CPU a float32 matmul probe.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# fp32 (non-tensor-core) peak TFLOP/s by device_kind substring (vendor data sheets).
PEAK_TFLOPS = {
    "H200": 67.0,
    "H100": 67.0,
    "GH200": 67.0,
    "A100": 19.5,
    "A10": 31.2,
    "L40S": 91.6,
    "L40": 90.5,
    "L4": 30.3,
    "V100": 15.7,
    "T4": 8.1,
    "A6000": 38.7,
    "4090": 82.6,
    "3090": 35.6,
    "MI300": 163.4,
    "MI250": 45.3,
}

SHARES = {"train": 0.45, "ntk": 0.2, "fourier": 0.35}  # of the total budget
SIZES = {
    "full": {
        "train_widths": [2**10, 2**14, 2**16, 2**18],
        "train_seeds": 10,
        "train_steps": 3000,
        "ntk_n": 4096,
        "ntk_width": 16384,
        "image_px": 512,
        "fourier_width": 256,
        "fourier_freq": 256,
        "fourier_steps": 300,
    },
    "tiny": {
        "train_widths": [256],
        "train_seeds": 2,
        "train_steps": 100,
        "ntk_n": 640,
        "ntk_width": 256,
        "image_px": 32,
        "fourier_width": 32,
        "fourier_freq": 16,
        "fourier_steps": 40,
    },
}
MIN_RUN_S = 1.0  # every started width runs at least this long after its compilation


class OutOfBudget(Exception):
    pass


def peak_memory_bytes(device) -> tuple[float, str]:
    try:
        stats = device.memory_stats()
    except Exception:  # not implemented on some backends
        stats = None
    if stats and "peak_bytes_in_use" in stats:
        return float(stats["peak_bytes_in_use"]), "device peak_bytes_in_use"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return float(rss) * 1024, "process max RSS"


def device_peak(device, given: float | None) -> tuple[float, str]:
    if given:
        return given * 1e12, "given"
    kind = getattr(device, "device_kind", "") or ""
    if device.platform == "gpu" or device.platform in ("cuda", "rocm"):
        for key, tf in PEAK_TFLOPS.items():
            if key.lower() in kind.lower():
                return tf * 1e12, f"data sheet ({key} fp32)"
    from pipeline.cost_model import probe_flop_rate

    return probe_flop_rate(), "float32 matmul probe"


def part_train(sz: dict, budget_s: float, log) -> list[dict]:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from pipeline import cost_model as cm
    from pipeline import datasets, training
    from pipeline.models import MLPSpec

    data = datasets.circle(64, 256, [1, 2, 4, 8, 3])
    x, xt = jnp.asarray(data["x_train"], jnp.float32), jnp.asarray(data["x_test"], jnp.float32)
    y = jnp.asarray(data["y_train"][:, 0], jnp.float32)
    n, mt = x.shape[0], xt.shape[0]
    t_end = time.perf_counter() + budget_s
    rows = []
    for width in sz["train_widths"]:
        left = t_end - time.perf_counter()
        if left < 2:
            rows.append({"part": "train", "width": width, "skipped": "time budget"})
            log(f"train width {width}: skipped (time budget)")
            continue
        spec = MLPSpec(depth=1, width=width, d_in=2, w_std=1.0, w_std_first=math.sqrt(2.0), b_std=None)
        seeds = sz["train_seeds"]
        params0 = training.init_batch(jax.random.PRNGKey(0), spec, np.arange(seeds), jnp.float32)
        steps = training.record_steps(sz["train_steps"], 10, 30)
        sizes = cm.layer_sizes(2, width, 1)
        p, sig = cm.n_params(sizes, False), cm.gram_sum(sizes)
        state = {"compile": math.nan, "t_c": None, "done": 0, "t": None, "deadline": t_end}

        def on_compiled(sec, state=state):
            state["compile"], state["t_c"] = sec, time.perf_counter()
            state["deadline"] = max(t_end, state["t_c"] + MIN_RUN_S)

        def on_chunk(done, _st, _eta, state=state):
            state["done"], state["t"] = done, time.perf_counter()
            if state["t"] > state["deadline"]:
                raise OutOfBudget

        t0 = time.perf_counter()
        try:
            training.train_sweep(
                spec,
                params0,
                x,
                y,
                xt,
                n_steps=sz["train_steps"],
                steps=steps,
                lr=0.5,
                n_chunks=20,
                on_chunk=on_chunk,
                on_compiled=on_compiled,
            )
            stopped = False
        except OutOfBudget:
            stopped = True
        wall = time.perf_counter() - t0
        run_s = (state["t"] or time.perf_counter()) - (state["t_c"] or t0)
        done = state["done"]
        rec_done = int(np.sum(steps <= done))
        flops = cm.train_flops(n, mt, p, sig, seeds, done, rec_done)
        row = {
            "part": "train",
            "width": width,
            "seeds": seeds,
            "n_train": n,
            "steps": done,
            "stopped_at_budget": stopped,
            "compile_s": state["compile"],
            "run_s": run_s,
            "wall_s": wall,
            "steps_per_s": done / run_s if run_s > 0 else math.nan,
            "gflops_per_s": flops / run_s / 1e9 if run_s > 0 else math.nan,
        }
        rows.append(row)
        log(
            f"train width {width}: {done} steps x {seeds} seeds, {row['steps_per_s']:.1f} steps/s, "
            f"{row['gflops_per_s']:.1f} GFLOP/s, compile {state['compile']:.1f} s"
            + (" (stopped at its time budget)" if stopped else "")
        )
    return rows


def part_ntk(sz: dict, budget_s: float, log) -> list[dict]:
    import jax
    import jax.numpy as jnp

    from pipeline import cost_model as cm
    from pipeline import datasets
    from pipeline.models import MLPSpec, init_params
    from pipeline.ntk_empirical import auto_block_size, ntk_jit

    n, width = sz["ntk_n"], sz["ntk_width"]
    x = jnp.asarray(datasets.circle(n, 4, [1])["x_train"], jnp.float32)
    spec = MLPSpec(depth=1, width=width, d_in=2, w_std=1.0, w_std_first=math.sqrt(2.0), b_std=None)
    params = init_params(jax.random.PRNGKey(0), spec, jnp.float32)
    t0 = time.perf_counter()
    ntk_jit(params, x, spec).block_until_ready()
    compile_s = time.perf_counter() - t0
    calls, t1 = 0, time.perf_counter()
    while True:
        ntk_jit(params, x, spec).block_until_ready()
        calls += 1
        if time.perf_counter() - t0 > budget_s or calls >= 50:
            break
    run_s = time.perf_counter() - t1
    sizes = cm.layer_sizes(2, width, 1)
    flops = cm.ntk_flops(n, cm.n_params(sizes, False), cm.gram_sum(sizes), calls)
    row = {
        "part": "ntk",
        "n": n,
        "width": width,
        "calls": calls,
        "compile_s": compile_s,
        "run_s": run_s,
        "calls_per_s": calls / run_s,
        "gflops_per_s": flops / run_s / 1e9,
    }
    log(
        f"ntk N={n} width {width}: {row['calls_per_s']:.2f} kernels/s, {row['gflops_per_s']:.1f} GFLOP/s "
        f"(first call incl. compile {compile_s:.1f} s; tiles of "
        f"{auto_block_size(n) or n})"
    )
    return [row]


def part_fourier(sz: dict, budget_s: float, log) -> list[dict]:
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    from pipeline import cost_model as cm
    from pipeline import datasets
    from pipeline import fourier_features as ff
    from pipeline import image_regression as ir

    r = sz["image_px"]
    g = datasets.image_grid(r)
    u, v = g[..., :1], g[..., 1:]
    img = 0.5 + 0.25 * np.sin(2 * np.pi * (3 * u + 5 * v)) * np.cos(2 * np.pi * 7 * u)
    img = np.repeat(img, 3, axis=-1)[None].astype(np.float32)  # (1, r, r, 3) in [0.25, 0.75]
    x_tr, y_tr, x_te, y_te = datasets.split_image(img)
    B, a = ff.mapping_matrices("gaussian", 2, sz["fourier_freq"], 10.0, 6.0, 0)
    feat = ff.encode(jnp.asarray(x_tr, jnp.float32), B, a)
    y = jnp.asarray(y_tr, jnp.float32)
    w, h = sz["fourier_width"], 3
    opt = optax.adam(1e-3)

    def loss_fn(params, y1):
        return 0.5 * jnp.mean((ir.mlp_apply(params, feat) - y1) ** 2)

    def step(carry, y1):
        params, state = carry
        grads = jax.grad(loss_fn)(params, y1)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    keys = jax.random.split(jax.random.PRNGKey(0), 1)
    params = jax.vmap(lambda k: ir.init_mlp(k, feat.shape[1], w, h))(keys)
    carry = (params, jax.vmap(opt.init)(params))
    chunk = 10
    run = jax.jit(lambda c: jax.lax.fori_loop(0, chunk, lambda _, cc: jax.vmap(step)(cc, y), c))
    t0 = time.perf_counter()
    carry = run(carry)
    jax.block_until_ready(carry)
    compile_s = time.perf_counter() - t0
    done, t1 = chunk, time.perf_counter()
    while done < sz["fourier_steps"] and (time.perf_counter() - t0 < budget_s or done < 3 * chunk):
        carry = run(carry)
        jax.block_until_ready(carry)
        done += chunk
    run_s = time.perf_counter() - t1
    timed = done - chunk
    p = q = x_tr.shape[0]
    pm = cm.fourier_mlp_params(feat.shape[1], w, h)
    flops = cm.fourier_flops(1, p, q, 0, 0, pm, timed, 0)
    psnr = float(ir.psnr(jax.vmap(ir.mlp_apply, (0, None))(carry[0], feat), y)[0])
    row = {
        "part": "fourier",
        "px": r,
        "train_pixels": p,
        "features": int(feat.shape[1]),
        "width": w,
        "steps": done,
        "compile_s": compile_s,
        "run_s": run_s,
        "steps_per_s": timed / run_s if run_s > 0 else math.nan,
        "gflops_per_s": flops / run_s / 1e9 if run_s > 0 else math.nan,
        "psnr_train": psnr,
    }
    log(
        f"fourier {r} px ({p} train pixels, {feat.shape[1]} features, width {w}): {done} Adam steps, "
        f"{row['steps_per_s']:.1f} steps/s, {row['gflops_per_s']:.1f} GFLOP/s, train PSNR {psnr:.1f} dB"
    )
    return [row]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny sizes (CI on a CPU)")
    ap.add_argument("--budget-s", type=float, default=None, help="total time budget (default 240, tiny 30)")
    ap.add_argument("--peak-tflops", type=float, default=None, help="the device's fp32 peak")
    ap.add_argument("--parts", default="train,ntk,fourier")
    ap.add_argument("--out", default=None, help="write the results as JSON")
    args = ap.parse_args(argv)

    import jax

    sz = SIZES["tiny" if args.tiny else "full"]
    budget = args.budget_s or (30.0 if args.tiny else 240.0)
    dev = jax.devices()[0]
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    t_start = time.perf_counter()
    log(f"jax {jax.__version__}; devices: {jax.devices()}; kind {getattr(dev, 'device_kind', '?')}")
    peak, peak_how = device_peak(dev, args.peak_tflops)
    log(
        f"fp32 peak {peak / 1e9:.1f} GFLOP/s ({peak_how}); budget {budget:.0f} s "
        f"({'tiny' if args.tiny else 'paper'} sizes)"
    )
    parts = {"train": part_train, "ntk": part_ntk, "fourier": part_fourier}
    rows = []
    for name in args.parts.split(","):
        t0 = time.perf_counter()
        for row in parts[name](sz, budget * SHARES[name], log):
            row["peak_fraction"] = row.get("gflops_per_s", math.nan) * 1e9 / peak
            rows.append(row)
        mem, how = peak_memory_bytes(dev)
        for row in rows:
            if row["part"] == name:
                row["peak_memory_mb"] = mem / 1e6
        log(f"  {name}: {time.perf_counter() - t0:.1f} s; peak memory so far {mem / 1e6:.0f} MB ({how})")
    total = time.perf_counter() - t_start
    log(f"total {total:.1f} s")
    result = {
        "jax": jax.__version__,
        "device": str(dev),
        "device_kind": getattr(dev, "device_kind", ""),
        "platform": dev.platform,
        "peak_gflops": peak / 1e9,
        "peak_source": peak_how,
        "tiny": args.tiny,
        "budget_s": budget,
        "total_s": total,
        "parts": rows,
        "load_average": os.getloadavg()[0],
    }
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
