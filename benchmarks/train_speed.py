"""Benchmark: GD steps per second of the vmapped training program vs a Python loop over seeds (not a test).

    .venv/bin/python benchmarks/train_speed.py [--widths 256 1024 4096 16384] [--seeds 5] [--steps 300]
                                               [--out train_speed.csv]

Network: the two-layer ReLU net f_m(x) = m^-1/2 sum_i b_i relu(a_i . x) on the default config's 64
circle points,
float32, full-batch GD on 1/2 sum (f - y)^2 (``training.gd_run``: one jitted lax.scan over the
steps). Modes per width:
  vmapped   all seeds in ONE program (``vmap`` over seeds), as the train stage runs them;
  loop      a Python loop over the seeds, each seed its own call of a jitted one-seed program,
            waited for before the next (no overlap of the seeds' runs);
  mapped    all seeds in one program, but ``lax.map`` over the seeds (``train.seed_batch: 1``):
            one seed at a time inside the compiled program;
  autodiff  vmapped, but the gradient by ``jax.value_and_grad`` of ``models.apply`` instead of the
            hand-written one-hidden-layer form (what the fast path saves).
Every mode is compiled and run once (warm-up, reported as compile_s), then timed as the minimum over
``--repeats`` runs. Columns: width, seeds, steps, mode, time_s (all seeds, all steps), steps_per_s
(GD steps of ALL seeds per second, i.e. steps / time_s), seed_steps_per_s (seeds * steps / time_s),
cpu_s (process CPU time of that run: above time_s when several cores work), speedup (vmapped
steps/s over this mode's), compile_s, device. The machine may be shared: the load average is
printed before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[256, 1024, 4096, 16384])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--modes", nargs="+", default=["vmapped", "mapped", "loop", "autodiff"])
    ap.add_argument("--out", default=None, help="also write the CSV here")
    args = ap.parse_args(argv)

    import jax
    import jax.numpy as jnp
    import numpy as np
    import pandas as pd

    from pipeline import datasets, models, provenance, training

    d = datasets.circle(64, 256, harmonics=[1, 2, 4, 8, 3])
    x = jnp.asarray(d["x_train"], jnp.float32)
    y = jnp.asarray(d["y_train"][:, 0], jnp.float32)
    dev = provenance.device_description()
    device = f"{dev['backend']}: {dev['device']}"
    print(f"# load average before: {os.getloadavg()}; device {device}", file=sys.stderr)
    rows = []
    for width in args.widths:
        spec = models.two_layer_relu(width)
        seeds = list(range(args.seeds))
        p0 = training.init_batch(jax.random.PRNGKey(0), spec, seeds)
        eta = jnp.full((len(seeds),), 0.02, jnp.float32)

        singles = [jax.tree.map(lambda a: a[s : s + 1], p0) for s in seeds]
        # compile once (warm-up), then time the compiled programs
        programs = {}
        for mode in args.modes:
            t0 = time.perf_counter()
            if mode == "loop":
                fns = [_compiled(training, spec, p, x, y, eta[:1], args.steps) for p in singles]
                # sequential: each seed's run finishes before the next starts (no async overlap)
                programs[mode] = lambda fns=fns: [jax.block_until_ready(f()) for f in fns]
            else:
                f = _compiled(
                    training,
                    spec,
                    p0,
                    x,
                    y,
                    eta,
                    args.steps,
                    fast=(False if mode == "autodiff" else None),
                    seed_batch=1 if mode == "mapped" else None,
                )
                programs[mode] = f
            jax.block_until_ready(programs[mode]())
            compile_s = time.perf_counter() - t0
            best, cpu = float("inf"), float("nan")
            for _ in range(args.repeats):
                c0, t0 = time.process_time(), time.perf_counter()
                jax.block_until_ready(programs[mode]())
                dt = time.perf_counter() - t0
                if dt < best:
                    best, cpu = dt, time.process_time() - c0
            rows.append(
                {
                    "width": width,
                    "seeds": len(seeds),
                    "steps": args.steps,
                    "mode": mode,
                    "time_s": best,
                    "steps_per_s": args.steps / best,
                    "seed_steps_per_s": len(seeds) * args.steps / best,
                    "cpu_s": cpu,
                    "compile_s": compile_s,
                    "device": device,
                }
            )
            print(f"# width {width} {mode}: {args.steps / best:.1f} steps/s", file=sys.stderr, flush=True)
    df = pd.DataFrame(rows)
    ref = df[df["mode"] == "vmapped"].set_index("width")["steps_per_s"]
    df["speedup"] = [ref.get(w, np.nan) / s for w, s in zip(df["width"], df["steps_per_s"])]
    print(f"# load average after: {os.getloadavg()}", file=sys.stderr)
    print(df.to_csv(index=False, float_format="%.4g"), end="")
    if args.out:
        Path(args.out).write_text(df.to_csv(index=False, float_format="%.6g"))


def _compiled(training, spec, params, x, y, eta, n_steps, fast=None, seed_batch=None):
    """A zero-argument callable running ``n_steps`` of vmapped GD with a program compiled once."""
    import jax

    fns = training.model_fns(spec, fast)
    lg = training.over_seeds(fns.loss_grad, seed_batch)
    active = jax.numpy.ones(eta.shape, bool)

    def run(p):
        def step(p, _):
            loss, _, g = lg(p, x, y)
            return training.gd_update(p, g, eta, active), loss

        return jax.lax.scan(step, p, None, length=n_steps)

    prog = jax.jit(run).lower(params).compile()
    return lambda: prog(params)


if __name__ == "__main__":
    main()
