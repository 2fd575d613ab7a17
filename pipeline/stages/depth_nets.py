"""Stage depth, rules ``depth_nets`` and ``depth_ntk``: width-n random nets (``random_nets``,
float64 when ``nets_x64``): squared gradient norms per layer over the sw2 grid (chi_1) and pair
correlations c^l for the xi_c check (``propagation_run``, rule depth_nets), and the empirical NTK at
every read-out depth in both phases (``ntk_run``, rule depth_ntk; the two run in parallel). See
``pipeline.stages.depth`` for the stage overview.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .depth_theory import (
    NETS_SALT,
    activation_of,
    ntk_readouts,
    pair_correlations,
    pair_inputs,
    xi_starts,
)

NTK_CHUNK_BYTES = 2.5e8  # bytes of stored layers per chunk of sampled nets (rule depth_ntk)


def nets_run(section: dict, theory: dict, seed: int, x64: bool, logger=None) -> dict:
    """Both finite-net measurements (``propagation_run`` and ``ntk_run``) in one dict."""
    return {
        **propagation_run(section, theory, seed, x64, logger),
        **ntk_run(section, theory, seed, x64, logger),
    }


def propagation_run(section: dict, theory: dict, seed: int, x64: bool, logger=None) -> dict:
    """Rule ``depth_nets``: squared gradient norms per layer on the sw2 grid (chi_1; width
    ``propagation.chi1_width``, nets sampled by Gaussian conditioning: ``random_nets.grad_norms_sampled``)
    and the pair correlations of the xi_c check (width ``propagation.width``, forward passes sampled
    by Gaussian conditioning: ``random_nets.grams_sampled``; module docstring)."""
    import jax
    import jax.numpy as jnp

    from .. import random_nets as rn
    from ..precision import x64_context

    act = activation_of(section)
    sb2 = float(section["sigma_b2"])
    prop = section["propagation"]
    n, depth, s = int(prop["width"]), int(prop["depth"]), int(prop["seeds"])
    base = jax.random.fold_in(jax.random.PRNGKey(seed), NETS_SALT)
    out = {}
    with x64_context(x64):
        dt = jnp.float64 if x64 else jnp.float32
        # chi_1 over the grid: one input at q*, nets of width chi1_width sampled by Gaussian
        # conditioning (O(n) per layer: the finite-width bias, O(1/n), is +1% for gelu at n = 500)
        g = len(theory["sw2"])
        n1 = int(prop["chi1_width"])
        t0 = time.perf_counter()
        keys = jax.random.split(jax.random.fold_in(base, 5), s)
        sq = rn.grad_norms_sampled(
            keys, jnp.asarray(theory["q_star"], dt), jnp.asarray(theory["sw2"], dt), sb2, act, n1, depth
        )
        out["grad_sq"] = np.asarray(sq, np.float64)  # (S, G, L)
        if logger:
            logger.info(
                f"gradient norms: {s} sampled nets x {g} sw2, width {n1}, depth {depth} "
                f"({time.perf_counter() - t0:.1f}s)"
            )
        # xi_c: P pairs per group and sw2
        t0 = time.perf_counter()
        p = int(prop["pairs"])
        xs, starts = [], []
        for i in range(len(theory["xi_sw2"])):
            th = {"c_star": theory["xi_c_star"][i]}
            cp, cm = xi_starts(th, prop)
            x, cs = pair_inputs(cp, cm, p, shared=th["c_star"] < 1)
            xs.append(x)
            starts.append(cs)
        xs = jnp.asarray(np.stack(xs), dt)
        keys = jax.random.split(jax.random.fold_in(base, 6), s)
        gram = rn.grams_sampled(
            keys,
            xs,
            jnp.asarray(theory["xi_q_star"], dt),
            jnp.asarray(theory["xi_sw2"], dt),
            sb2,
            act,
            n,
            depth,
        )
        c = np.asarray(rn.correlations(gram), np.float64)  # (S, X, L, 3P, 3P)
        corr = [pair_correlations(c[k], p) for k in range(s)]
        out["pair_corr"] = np.stack(corr)  # (S, X, L, 2P)
        out["pair_start"] = np.stack(starts)
        if logger:
            logger.info(
                f"pair correlations: {s} seeds x {len(xs)} sw2 x {2 * p} pairs "
                f"({time.perf_counter() - t0:.1f}s)"
            )
    return out


def ntk_run(section: dict, theory: dict, seed: int, x64: bool, logger=None) -> dict:
    """Rule ``depth_ntk``: the empirical NTK at every read-out depth, one sw2 at a time, of independent
    width-n nets sampled exactly by Gaussian conditioning (``random_nets.ntk_sampled``: O(n) work per
    layer, so the finite-width bias, O(chi_1^l / n), is made small by width at no extra cost for a
    given precision: the noise variance is ~1/n per net too). Entry (s, i, r) is its own net of
    depth readouts[r] (read-outs repeated at the deepest depth are more nets there). The chaotic
    phase (many more nets: its noise grows like chi_1^l) in float32 unless ntk.chaotic_x64; the
    ordered phase in float64 when ``x64``."""
    import jax
    import jax.numpy as jnp

    from .. import random_nets as rn
    from ..precision import x64_context

    act = activation_of(section)
    sb2 = float(section["sigma_b2"])
    ntk = section["ntk"]
    n = int(ntk["width"])
    base = jax.random.fold_in(jax.random.PRNGKey(seed), NETS_SALT)
    out = {}
    t0 = time.perf_counter()
    readouts = ntk_readouts(ntk)
    depth_max = max(readouts)
    g = len(theory["ntk_sw2"])
    seeds = [
        int(ntk["seeds"]) if theory["ntk_c_star"][i] >= 1 else int(ntk["chaotic_seeds"]) for i in range(g)
    ]
    emp = np.full((max(seeds), g, len(readouts), 2, 2), np.nan)
    for i in range(g):
        cs = theory["ntk_c_star"][i]
        c0 = cs if cs < 1 else float(ntk["c0"])
        xn = np.array([[1.0, c0], [0.0, math.sqrt(1 - c0 * c0)]])
        wide = x64 if cs >= 1 else x64 and bool(ntk["chaotic_x64"])
        total = seeds[i] * len(readouts)
        depths = np.tile(np.asarray(readouts), seeds[i])  # net j: seed j // R, read-out j % R
        keys = jax.random.split(jax.random.fold_in(jax.random.fold_in(base, 4), i), total)
        # chunks of nets bound the memory of the stored layers (3 depth_max n 2 floats per net)
        chunk = max(1, int(NTK_CHUNK_BYTES // (3 * depth_max * n * 2 * (8 if wide else 4))))
        vals = []
        with x64_context(wide):
            dti = jnp.float64 if wide else jnp.float32
            for a in range(0, total, chunk):
                b = min(total, a + chunk)
                # pad the last chunk to the chunk size: one compiled shape
                idx = (
                    np.minimum(np.arange(a, a + chunk), b - 1) if b - a < chunk and a > 0 else np.arange(a, b)
                )
                r = rn.ntk_sampled(
                    keys[idx],
                    jnp.asarray(xn, dti),
                    float(theory["ntk_q_star"][i]),
                    float(theory["ntk_sw2"][i]),
                    sb2,
                    act,
                    n,
                    depth_max,
                    jnp.asarray(depths[idx]),
                )
                vals.append(np.asarray(r, np.float64)[: b - a])
        emp[: seeds[i], i] = np.concatenate(vals).reshape(seeds[i], len(readouts), 2, 2)
        if logger:
            logger.info(
                f"empirical NTK, sw2 {float(theory['ntk_sw2'][i]):g}: {total} sampled nets of width {n} "
                f"({seeds[i]} per read-out depth, depths {sorted(set(readouts))}, "
                f"{'float64' if wide else 'float32'}; {time.perf_counter() - t0:.1f}s so far)"
            )
    out["ntk"] = emp  # (max seeds, G, R, 2, 2); NaN past ntk_seeds[i]
    out["ntk_seeds"] = np.array(seeds)
    out["readouts"] = np.array(readouts)
    if logger:
        logger.info(
            f"empirical NTK: {seeds} nets per depth per sw2 {[float(v) for v in theory['ntk_sw2']]}, "
            f"width {n}, {len(readouts)} read-outs to depth {depth_max} ({time.perf_counter() - t0:.1f}s)"
        )
    return out
