"""Benchmark: our Gauss-Hermite dual kernels vs neural-tangents' ``stax.ElementwiseNumerical`` (not a test).

    .venv/bin/python benchmarks/dual_kernel_speed.py [--n 64] [--out results.csv]

Case: the infinite-width NNGP and NTK of a one-hidden-layer net f(x) = W2 phi(W1 x / sqrt(d)) / sqrt(m)
(NTK parameterisation, W_std = 1, no bias) on N inputs x in R^d (Gaussian, d = 8), for smooth
activations without a closed form (tanh, gelu, silu) and for erf (which has one: the closed form is
the exact reference there). With Q = X X^T / d (the first layer's covariance), both implementations
compute, for every pair (i, j),

    NNGP_ij = E[phi(u) phi(v)],  NTK_ij = NNGP_ij + Q_ij E[phi'(u) phi'(v)],  (u, v) ~ N(0, Q_{ij 2x2}).

ours = ``pipeline.dual_kernels.quadrature`` at orders 64, 128, 256 (the product rule: order^2
evaluations per pair, float64 numpy); nt = ``stax.serial(Dense(1), ElementwiseNumerical(phi, deg),
Dense(1))`` at deg 64, 128, 256 (float64, jit, one warm-up call). Columns: impl, activation, order,
time_s (minimum of 3 calls after the warm-up), nngp_err and ntk_err (max |K - K_ref| / max |K_ref|,
with K_ref = neural-tangents' closed-form Erf / Gelu layer where it has one and our order 512
otherwise). Timings depend on the machine's load: the script prints the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def ours(act, q, order):
    from pipeline import dual_kernels

    d = np.diag(q)
    k, kd = dual_kernels.quadrature(act, d[:, None], d[None, :], q, order)
    return k, k + q * kd


def nt_kernel(name, x, deg, closed=False):
    """neural-tangents' kernel_fn of the one-hidden-layer net (through ``nt_compat.load``, the one
    place that imports neural-tangents): ElementwiseNumerical(phi, deg), or with ``closed`` its
    closed-form layer (Erf, Gelu)."""
    import jax
    import jax.numpy as jnp

    from pipeline import nt_compat

    stax = nt_compat.load().stax
    fns = {"tanh": jnp.tanh, "gelu": lambda z: jax.nn.gelu(z, approximate=False), "silu": jax.nn.silu,
           "erf": jax.scipy.special.erf}  # fmt: skip
    if closed:
        layer = stax.Erf() if name == "erf" else stax.Gelu(approximate=False)
    else:
        layer = stax.ElementwiseNumerical(fns[name], deg=deg)
    _, _, kernel_fn = stax.serial(
        stax.Dense(1, W_std=1.0, parameterization="ntk"),
        layer,
        stax.Dense(1, W_std=1.0, parameterization="ntk"),
    )
    fn = jax.jit(lambda a: kernel_fn(a, a, ("nngp", "ntk")))
    return lambda: [np.asarray(v) for v in fn(x)]


def timed(call, repeats=3):
    out = call()  # warm-up (compiles the nt kernel)
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        out = call()
        best = min(best, time.perf_counter() - t)
    return out, best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64, help="number of inputs N (N^2 pairs)")
    ap.add_argument("--out", default=None, help="CSV path for the table")
    args = ap.parse_args()

    import jax

    jax.config.update("jax_enable_x64", True)
    import pandas as pd

    from pipeline import activations

    print(f"load average before: {os.getloadavg()}")
    rng = np.random.default_rng(0)
    d = 8
    x = rng.normal(size=(args.n, d))
    q = x @ x.T / d
    rows = []
    for name in ("erf", "tanh", "gelu", "silu"):
        act = activations.get(name)
        if name in ("erf", "gelu"):  # neural-tangents' closed-form layer: the exact reference
            ref = nt_kernel(name, x, 0, closed=True)()
        else:
            ref = ours(act, q, 512)
        for order in (64, 128, 256):
            for impl in ("ours", "nt"):
                call = (lambda: ours(act, q, order)) if impl == "ours" else nt_kernel(name, x, order)
                (nngp, ntk), t = timed(call)
                err = [float(np.max(np.abs(a - r)) / np.max(np.abs(r))) for a, r in zip((nngp, ntk), ref)]
                rows.append(
                    {
                        "impl": impl,
                        "activation": name,
                        "order": order,
                        "time_s": t,
                        "nngp_err": err[0],
                        "ntk_err": err[1],
                    }  # fmt: skip
                )
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    print(df.to_string(index=False))
    print(f"load average after: {os.getloadavg()}")
    if args.out:
        df.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
