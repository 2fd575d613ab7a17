"""Stage depth, rule ``depth_nets``: width-n random nets (``random_nets``, float64 when
``nets_x64``): squared gradient norms per layer over the sw2 grid (chi_1), pair correlations c^l
for the xi_c check, and the empirical NTK at every read-out depth in both phases. See
``pipeline.stages.depth`` for the stage overview.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .depth_theory import NETS_SALT, activation_of, ntk_readouts, pair_inputs, xi_starts


def nets_run(section: dict, theory: dict, seed: int, x64: bool, logger=None) -> dict:
    """The finite-net measurements of ``depth_nets`` (module docstring)."""
    import jax
    import jax.numpy as jnp

    from .. import random_nets as rn
    from ..precision import x64_context

    act = activation_of(section)
    sb2 = float(section["sigma_b2"])
    prop, ntk = section["propagation"], section["ntk"]
    n, depth, s = int(prop["width"]), int(prop["depth"]), int(prop["seeds"])
    base = jax.random.fold_in(jax.random.PRNGKey(seed), NETS_SALT)
    out = {}
    with x64_context(x64):
        dt = jnp.float64 if x64 else jnp.float32
        # chi_1 over the grid: one input at q*
        g = len(theory["sw2"])
        x1 = jnp.ones((g, 1, 1), dt)
        t0 = time.perf_counter()
        sq = []
        for i in range(s):
            r = rn.propagate(
                jax.random.fold_in(jax.random.fold_in(base, 1), i),
                x1,
                jnp.asarray(theory["q_star"], dt),
                jnp.asarray(theory["sw2"], dt),
                sb2,
                act,
                n,
                depth,
            )
            sq.append(np.asarray(r["grad_sq"]))
        out["grad_sq"] = np.stack(sq)  # (S, G, L)
        if logger:
            logger.info(
                f"gradient norms: {s} seeds x {g} sw2, width {n}, depth {depth} "
                f"({time.perf_counter() - t0:.1f}s)"
            )
        # xi_c: P pairs per group and sw2
        t0 = time.perf_counter()
        p = int(prop["pairs"])
        xs, starts = [], []
        for i in range(len(theory["xi_sw2"])):
            th = {"c_star": theory["xi_c_star"][i]}
            cp, cm = xi_starts(th, prop)
            x, cs = pair_inputs(cp, cm, p)
            xs.append(x)
            starts.append(cs)
        xs = jnp.asarray(np.stack(xs), dt)
        corr = []
        for i in range(s):
            r = rn.propagate(
                jax.random.fold_in(jax.random.fold_in(base, 2), i),
                xs,
                jnp.asarray(theory["xi_q_star"], dt),
                jnp.asarray(theory["xi_sw2"], dt),
                sb2,
                act,
                n,
                depth,
            )
            c = np.asarray(rn.correlations(r["gram"]))  # (X, L, K, K)
            idx = np.arange(0, 4 * p, 2)
            corr.append(c[:, :, idx, idx + 1])
        out["pair_corr"] = np.stack(corr)  # (S, X, L, 2P)
        out["pair_start"] = np.stack(starts)
        if logger:
            logger.info(
                f"pair correlations: {s} seeds x {len(xs)} sw2 x {2 * p} pairs "
                f"({time.perf_counter() - t0:.1f}s)"
            )
        # NTK by depth
        t0 = time.perf_counter()
        readouts = ntk_readouts(ntk)
        xn = []
        for i in range(len(theory["ntk_sw2"])):
            cs = theory["ntk_c_star"][i]
            c0 = cs if cs < 1 else float(ntk["c0"])
            xn.append(np.array([[1.0, c0], [0.0, math.sqrt(1 - c0 * c0)]]))
        xn = jnp.asarray(np.stack(xn), dt)
        th_, nn_ = [], []
        for i in range(int(ntk["seeds"])):
            r = rn.ntk_by_depth(
                jax.random.fold_in(jax.random.fold_in(base, 3), i),
                xn,
                jnp.asarray(theory["ntk_q_star"], dt),
                jnp.asarray(theory["ntk_sw2"], dt),
                sb2,
                act,
                int(ntk["width"]),
                max(readouts),
                readouts,
            )
            th_.append(np.asarray(r["ntk"]))
            nn_.append(np.asarray(r["nngp"]))
        out["ntk"] = np.stack(th_)  # (S, G, R, 2, 2)
        out["ntk_nngp"] = np.stack(nn_)
        out["readouts"] = np.array(readouts)
        if logger:
            logger.info(
                f"empirical NTK: {ntk['seeds']} seeds, width {ntk['width']}, {len(readouts)} read-outs "
                f"to depth "
                f"{max(readouts)} ({time.perf_counter() - t0:.1f}s)"
            )
    return out
