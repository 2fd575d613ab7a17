"""Benchmark: our structured empirical NTK vs neural-tangents' three implementations (not a test).

    .venv/bin/python benchmarks/ntk_speed.py [--quick] [--out results.csv]      (or: make bench)

Cases: N in {128, 512, 2048} inputs (d_in = 2, Gaussian), depth in {1, 3} hidden layers, width in
{512, 4096}, ReLU, NTK parameterisation, b_std = 0.1, d_out = 1, float32, x2 = None (the N x N
kernel). Every (case, implementation) runs in a FRESH worker process (this file with --worker) on
identical inputs and parameters: jit, one warm-up call (reported as compile_s, includes the first
run), then the minimum over repeated calls (up to 5, within ~5 s) as time_s.

Columns: impl (ours = ``ntk_empirical.ntk`` with ``auto_block_size``; nt1 = Jacobian contraction,
nt2 = NTK-vector products, nt3 = structured derivatives, all ``nt.empirical_ntk_fn(vmap_axes=0)``;
matmul = a plain jnp (N, width) @ (width, N) matmul for the GFLOP/s reference), status (ok,
"skipped: ..." when the cost model predicts > 60 s or > 2.5 GB -- the machine is shared --,
"timeout" or "error: ..."), time_s, compile_s, peak_rss_mb (the worker's peak resident memory
during compile + calls: VmHWM after resetting it through /proc/self/clear_refs just before the
first call; ru_maxrss where that is not allowed) and rss_delta_mb (that minus the worker's RSS just
before the first call, i.e. inputs and parameters excluded: the memory the computation added;
jax's device memory stats are unavailable on CPU and tracemalloc does not see XLA's buffers),
max_abs_diff and rel_diff (max |K - K_ours| and that / max |K_ours|), speedup (time of this impl /
time of ours; on the "ours" row: the fastest nt impl's time / ours), gflops (for ours: the flops
it executes -- forward, backward, kernel matmuls with the symmetric tiling discount -- per second;
for matmul: 2 N^2 width / time).

Timings depend on the machine's load: the script prints the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NS, DEPTHS, WIDTHS = (128, 512, 2048), (1, 3), (512, 4096)
IMPLS = ("ours", "nt3", "nt1", "nt2", "matmul")
D_IN, B_STD = 2, 0.1
MAX_SECONDS, MAX_BYTES = 60.0, 2.5 * 2**30
WORKER_TIMEOUT = 240


def n_params(depth: int, width: int) -> int:
    fan = [D_IN] + [width] * depth + [1]
    return sum(a * b + b for a, b in zip(fan[:-1], fan[1:]))


def our_flops(n: int, depth: int, width: int, block: int | None) -> float:
    """Flops our structured NTK executes (x2 = None)."""
    fan = [D_IN] + [width] * depth + [1]
    fwd = sum(2 * n * a * b for a, b in zip(fan[:-1], fan[1:]))
    bwd = sum(2 * n * fan[l] * fan[l + 1] for l in range(1, depth))  # hidden-to-hidden W @ G^T
    gram = sum(2 * n * n * (fan[l] + 1) for l in range(depth + 1))  # A_l A_l^T (with the bias column)
    gram += sum(2 * n * n * fan[l + 1] for l in range(depth))  # B_l^T B_l
    if block is not None and block < n:
        nb = math.ceil(n / block)
        gram *= (nb * (nb + 1) / 2) * block * block / (n * n)
    return float(fwd + bwd + gram)


def predict(impl: str, n: int, depth: int, width: int, gflops: float) -> tuple[float, float]:
    """(seconds, bytes) a rough cost model expects; used only to skip hopeless cases.

    The factors are calibrated on this benchmark's small cases on a 2-core CPU (nt1 runs at
    ~1/5 of matmul speed on its 2 N^2 P flops, nt2 at ~1/100 of it on 8 N^2 P flops, nt3 takes
    2-5x our time), with a margin of about 2.
    """
    p = n_params(depth, width)
    rate = max(gflops, 1.0) * 1e9
    if impl == "nt1":  # the (N, P) Jacobian, then J J^T
        return 10 * 2 * n * n * p / rate, 4.0 * 2 * n * p
    if impl == "nt2":  # N vector-Jacobian + Jacobian-vector products of the whole batch
        return 200 * 8.0 * n * n * p / rate, 4.0 * 2 * n * p
    if impl == "nt3":
        return 3 * our_flops(n, depth, width, None) / rate, 4.0 * (
            4 * n * width * (depth + 1) + 3 * n * n * (depth + 1)
        )
    return our_flops(n, depth, width, None) / rate, 4.0 * (4 * n * width * (depth + 1) + 3 * n * n)


# --- worker ---------------------------------------------------------------------------------


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM (peak RSS) of this process in MB, from /proc/self/status (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return math.nan


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS; False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def worker(impl: str, n: int, depth: int, width: int, out_npy: str) -> dict:
    import jax
    import jax.numpy as jnp
    import numpy as np

    from pipeline import models
    from pipeline.ntk_empirical import auto_block_size, ntk

    spec = models.MLPSpec(depth=depth, width=width, d_in=D_IN, b_std=B_STD)
    x = jax.random.normal(jax.random.PRNGKey(0), (n, D_IN), jnp.float32)
    params = models.init_params(jax.random.PRNGKey(1), spec, jnp.float32)
    block = auto_block_size(n)
    if impl == "ours":
        f = jax.jit(lambda p, x: ntk(p, x, spec, block_size=block))
        args = (params, x)
    elif impl == "matmul":
        h = jax.random.normal(jax.random.PRNGKey(2), (n, width), jnp.float32)
        f = jax.jit(lambda h: h @ h.T)
        args = (h,)
    else:
        from pipeline import nt_compat
        from pipeline.ntk_analytic import stax_layers

        nt = nt_compat.load()
        _, apply_fn, _ = stax_layers(spec)
        nt_params = []
        for layer in params:
            nt_params += [(layer["W"], layer.get("b")), ()]
        kfn = nt.empirical_ntk_fn(apply_fn, vmap_axes=0, implementation=int(impl[-1]))
        f = jax.jit(lambda p, x: kfn(x, None, p))
        args = (nt_params[:-1], x)
    rss0 = _status_mb("VmRSS")
    reset = _reset_peak_rss()  # so that the peak below is the computation's, not the set-up's
    t0 = time.perf_counter()
    k = jax.block_until_ready(f(*args))
    compile_s = time.perf_counter() - t0
    times, t_start = [], time.perf_counter()
    while len(times) < 5 and (not times or time.perf_counter() - t_start < 5.0):
        t0 = time.perf_counter()
        k = jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - t0)
    peak = _status_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if impl != "matmul":
        np.save(out_npy, np.asarray(k))
    t = min(times)
    flops = 2.0 * n * n * width if impl == "matmul" else our_flops(n, depth, width, block)
    return {
        "time_s": t,
        "compile_s": compile_s,
        "peak_rss_mb": peak,
        "rss_delta_mb": peak - rss0,
        "reps": len(times),
        "gflops": flops / t / 1e9 if impl in ("ours", "matmul") else math.nan,
        "block": block,
    }


# --- driver ---------------------------------------------------------------------------------


def run_case(impl, n, depth, width, tmp: Path) -> dict:
    out = tmp / f"{impl}_{n}_{depth}_{width}.npy"
    cmd = [sys.executable, __file__, "--worker", impl, str(n), str(depth), str(width), str(out)]
    env = dict(os.environ, XLA_PYTHON_CLIENT_PREALLOCATE="false")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WORKER_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout (> {WORKER_TIMEOUT} s incl. compile)"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"status": f"error: {last[:120]}"}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["status"] = "ok"
    res["npy"] = str(out) if out.exists() else None
    return res


def main(argv=None) -> None:
    import numpy as np
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only N=128 and N=512 (a smoke run)")
    ap.add_argument("--out", default=None, help="also write the table to this CSV file")
    args = ap.parse_args(argv)
    ns = NS[:2] if args.quick else NS
    print(f"# load average before: {os.getloadavg()}; cpus: {os.cpu_count()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in ns:
            for depth in DEPTHS:
                for width in WIDTHS:
                    case = {"N": n, "depth": depth, "width": width}
                    mm = run_case("matmul", n, depth, width, tmp)
                    rate = mm.get("gflops", 10.0)
                    res = {"matmul": mm}
                    for impl in IMPLS[:-1]:
                        t_pred, b_pred = predict(impl, n, depth, width, rate)
                        if impl != "ours" and (t_pred > MAX_SECONDS or b_pred > MAX_BYTES):
                            res[impl] = {
                                "status": f"skipped: predicted {t_pred:.0f} s, {b_pred / 2**30:.1f} GB"
                            }
                        else:
                            res[impl] = run_case(impl, n, depth, width, tmp)
                        print(
                            f"# {case} {impl}: {res[impl].get('status')} {res[impl].get('time_s', '')}",
                            flush=True,
                        )
                    ref = np.load(res["ours"]["npy"]) if res["ours"].get("npy") else None
                    nt_times = [
                        res[i]["time_s"] for i in ("nt1", "nt2", "nt3") if res[i].get("status") == "ok"
                    ]
                    for impl in IMPLS:
                        r = res[impl]
                        row = {**case, "impl": impl, "status": r["status"]}
                        for key in ("time_s", "compile_s", "peak_rss_mb", "rss_delta_mb", "gflops"):
                            row[key] = r.get(key, math.nan)
                        row["max_abs_diff"] = row["rel_diff"] = row["speedup"] = math.nan
                        if r.get("npy") and ref is not None:
                            k = np.load(r["npy"])
                            row["max_abs_diff"] = float(np.abs(k - ref).max())
                            row["rel_diff"] = row["max_abs_diff"] / float(np.abs(ref).max())
                        if r.get("status") == "ok" and res["ours"].get("status") == "ok":
                            if impl == "ours":
                                row["speedup"] = min(nt_times) / r["time_s"] if nt_times else math.nan
                            elif impl != "matmul":
                                row["speedup"] = r["time_s"] / res["ours"]["time_s"]
                        rows.append(row)
                    for r in res.values():
                        if r.get("npy"):
                            Path(r["npy"]).unlink(missing_ok=True)
    df = pd.DataFrame(rows)
    print(f"# load average after: {os.getloadavg()}", flush=True)
    print(df.to_csv(index=False, float_format="%.4g"), end="")
    if args.out:
        df.to_csv(args.out, index=False)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        impl, n, depth, width, out = sys.argv[2], *map(int, sys.argv[3:6]), sys.argv[6]
        print(json.dumps(worker(impl, n, depth, width, out)))
    else:
        main()
