"""Stage depth, rule ``depth_gauss`` (jax float32): the read-out's conditional variance s^2 of many
independent bias-free He ReLU nets per width and depth (Hanin & Rolnick 2018), and of the stage's
activation (reported), with the kurtosis ratio E[s^4] / E[s^2]^2 and its bootstrap. See
``pipeline.stages.depth`` for the stage overview.
"""

from __future__ import annotations

import time

import numpy as np

from .. import activations
from .depth_theory import activation_of

GAUSS_SALT = 29
N_BOOTSTRAP = 400


def gauss_run(section: dict, seed: int, logger=None) -> dict:
    """s^2 per net and depth (float32) of the He ReLU nets at every width, and of the stage's
    activation (``nongauss.sigma_w2``, sb2) for the report."""
    import jax

    from .. import random_nets as rn

    ng = section["nongauss"]
    depth, nets, chunk = int(ng["depth"]), int(ng["nets"]), int(ng["chunk"])
    base = jax.random.fold_in(jax.random.PRNGKey(seed), GAUSS_SALT)
    relu, act = activations.get("relu"), activation_of(section)
    out = {}
    for name, a, sw2, sb2 in (
        ("relu", relu, 2.0, 0.0),
        ("act", act, float(ng["sigma_w2"]), float(section["sigma_b2"])),
    ):
        res = []
        n_nets = nets if name == "relu" else int(ng["act_nets"])
        for w in ng["widths"]:
            t0 = time.perf_counter()
            parts = []
            for c in range(0, n_nets, chunk):
                key = jax.random.fold_in(jax.random.fold_in(jax.random.fold_in(base, len(name)), int(w)), c)
                parts.append(
                    np.asarray(rn.output_moments(key, float(ng["q1"]), sw2, sb2, a, int(w), depth, chunk))
                )
            res.append(np.concatenate(parts)[:n_nets])
            if logger:
                logger.info(
                    f"{name} width {w}: {n_nets} nets of depth {depth} ({time.perf_counter() - t0:.1f}s)"
                )
        out[f"s2_{name}"] = np.stack(res).astype(np.float64)  # (W, nets, depth)
    out["widths"] = np.array([int(w) for w in ng["widths"]])
    return out


def kurtosis_ratio(s2: np.ndarray) -> np.ndarray:
    """E[s^4] / E[s^2]^2 over axis -2 (nets): (..., nets, depth) -> (..., depth)."""
    return (s2**2).mean(-2) / s2.mean(-2) ** 2


def bootstrap_ratio(s2: np.ndarray, seed: int, n_boot: int = N_BOOTSTRAP) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile bootstrap interval over nets of ``kurtosis_ratio`` for s2 (nets, depth)."""
    rng = np.random.default_rng(seed)
    m = s2.shape[0]
    boot = np.array([kurtosis_ratio(s2[rng.integers(0, m, m)]) for _ in range(n_boot)])
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    return lo, hi


# ------------------------------------------------------------------------------------- checks
