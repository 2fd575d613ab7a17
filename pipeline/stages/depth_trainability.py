"""Stage depth, rule ``depth_trainability``: training accuracy after a fixed budget over depth x sw2
(Schoenholz et al. 2017, "Deep information propagation", Fig. 5), reported, not checked.

Nets: the stage's activation (``depth.activation``, tanh by default), ``trainability.width`` hidden
units in every layer, depth L in ``trainability.depths`` (hidden layers), W_ij ~ N(0, sw2 / fan_in)
(standard parameterisation, the signal-propagation convention), b_i ~ N(0, ``depth.sigma_b2``),
sw2 on ``trainability.sigma_w2`` (``n_sigma_w2`` values from ``sigma_w2_min`` to ``sigma_w2_max``),
and a linear read-out to the 10 classes with the same law. Data: scikit-learn's bundled 8x8 digits
(``regimes_common.load_digits``, no download), each image centred and scaled to norm sqrt(64) so the
first pre-activation variance is sw2 + sb2; the first ``n_train`` images (a fixed permutation of the
seed) train, the training accuracy is reported. Training: ``steps`` steps of ``optax.sgd`` (learning
rate ``lr``) on the softmax cross-entropy of minibatches of ``batch`` images.

All (L, sw2) nets train in ONE jit-compiled program, vmapped over the grid: every net has
max(depths) layers, and the layers beyond its depth L are skipped (h -> h, a mask), so one
compilation serves the whole grid (the masked layers cost flops, not compilations).

Theory overlay: xi_c(sw2) = -1 / ln chi_c* at sb2 (``signal_propagation.theory``); Schoenholz et al.
find nets trainable to depth ~6 xi_c, the curve drawn over the heat map. The figure
(depth/trainability.png, ``depth_plots.trainability``) and the table depth_trainability.csv (one row
per (depth, sw2): accuracy, 6 xi_c) are a report, not a check: the budget here is far below the
paper's and the boundary is only qualitative.

Cost: steps x batch x 6 x max(depths) x width^2 flops per net (G nets: the grid), float32.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import signal_propagation as sp
from .depth_theory import activation_of

TRAIN_SALT = 37


def sw2_values(tr: dict) -> np.ndarray:
    return np.linspace(float(tr["sigma_w2_min"]), float(tr["sigma_w2_max"]), int(tr["n_sigma_w2"]))


def digits_data(n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x (n_train, 64) centred, each row of norm sqrt(64); integer labels (n_train,)."""
    from .regimes_common import load_digits

    x, y = load_digits()
    perm = np.random.default_rng([seed, TRAIN_SALT]).permutation(len(x))[:n_train]
    x, y = x[perm], y[perm]
    x = x - x.mean(1, keepdims=True)
    x = x / np.linalg.norm(x, axis=1, keepdims=True) * math.sqrt(x.shape[1])
    return x.astype(np.float32), y.astype(np.int32)


def train_grid(section: dict, seed: int) -> dict:
    """Training accuracy (D, G) after the budget for every depth x sw2 of ``trainability``."""
    import jax
    import jax.numpy as jnp
    import optax

    tr = section["trainability"]
    act = activation_of(section)
    sb2 = float(section["sigma_b2"])
    depths = np.array([int(d) for d in tr["depths"]])
    sw2 = sw2_values(tr)
    n, lmax, steps, batch = int(tr["width"]), int(depths.max()), int(tr["steps"]), int(tr["batch"])
    x, y = digits_data(int(tr["n_train"]), seed)
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    d_in, n_cls = x.shape[1], 10
    grid_l = jnp.asarray(np.repeat(depths, len(sw2)))
    grid_s = jnp.asarray(np.tile(sw2, len(depths)), jnp.float32)
    opt = optax.sgd(float(tr["lr"]))

    def init(key, s2):
        k0, kh, ko, kb, kc = jax.random.split(key, 5)
        return {
            "w0": jax.random.normal(k0, (d_in, n)) * jnp.sqrt(s2 / d_in),
            "wh": jax.random.normal(kh, (lmax - 1, n, n)) * jnp.sqrt(s2 / n),
            "wo": jax.random.normal(ko, (n, n_cls)) * jnp.sqrt(s2 / n),
            "b": jax.random.normal(kb, (lmax, n)) * math.sqrt(sb2),
            "bo": jax.random.normal(kc, (n_cls,)) * math.sqrt(sb2),
        }

    def forward(p, depth, xb):
        h = act.jax_phi(xb @ p["w0"] + p["b"][0])

        def layer(h, inp):
            l, w, b = inp  # hidden layer l + 2 (1-based)
            new = act.jax_phi(h @ w + b)
            return jnp.where(l + 2 <= depth, new, h), None

        h, _ = jax.lax.scan(layer, h, (jnp.arange(lmax - 1), p["wh"], p["b"][1:lmax]))
        return h @ p["wo"] + p["bo"]

    def loss(p, depth, xb, yb):
        return optax.softmax_cross_entropy_with_integer_labels(forward(p, depth, xb), yb).mean()

    def one(key, depth, s2):
        kp, kd = jax.random.split(key)
        p = init(kp, s2)
        idx = jax.random.randint(kd, (steps, batch), 0, xj.shape[0])

        def step(carry, ib):
            p, st = carry
            g = jax.grad(loss)(p, depth, xj[ib], yj[ib])
            upd, st = opt.update(g, st, p)
            return (optax.apply_updates(p, upd), st), None

        (p, _), _ = jax.lax.scan(step, (p, opt.init(p)), idx)
        return jnp.mean(jnp.argmax(forward(p, depth, xj), -1) == yj)

    keys = jax.random.split(jax.random.fold_in(jax.random.PRNGKey(seed), TRAIN_SALT), len(grid_l))
    acc = jax.jit(jax.vmap(one))(keys, grid_l, grid_s)
    return {
        "accuracy": np.asarray(acc).reshape(len(depths), len(sw2)),
        "depths": depths,
        "sigma_w2": sw2,
    }


def xi_overlay(section: dict, sw2: np.ndarray) -> np.ndarray:
    """xi_c(sw2) at the stage's sb2 (inf at the edge of chaos; nan where the length map has no fixed
    point: no theory there, no curve drawn)."""
    act = activation_of(section)
    sb2 = float(section["sigma_b2"])
    order = int(section["quadrature"]["order"])
    return np.array(
        [
            sp.theory(act, float(s), sb2, order)["xi_c"]
            if sp.has_fixed_point(act, float(s), sb2, order)
            else np.nan
            for s in sw2
        ]
    )


def run(section: dict, seed: int, logger=None) -> dict:
    t0 = time.perf_counter()
    res = train_grid(section, seed)
    res["xi_c"] = xi_overlay(section, res["sigma_w2"])
    sw2 = res["sigma_w2"]
    res["sigma_w2_fine"] = np.linspace(sw2[0], sw2[-1], 8 * len(sw2))  # the figure's 6 xi_c curve
    res["xi_c_fine"] = xi_overlay(section, res["sigma_w2_fine"])
    order = int(section["quadrature"]["order"])
    res["edge"] = np.float64(
        sp.edge_of_chaos(activation_of(section), float(section["sigma_b2"]), sw2[0], sw2[-1], order)
    )
    if logger:
        tr = section["trainability"]
        logger.info(
            f"trainability: {len(res['depths'])} depths x {len(res['sigma_w2'])} sw2, width {tr['width']}, "
            f"{tr['steps']} SGD steps of batch {tr['batch']} ({time.perf_counter() - t0:.1f}s)"
        )
    return res


def rule_trainability(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``depth_trainability``: the grid, its table and the figure (no check)."""
    from .. import io, provenance
    from ..progress import get_logger
    from . import depth_plots

    logger = get_logger("depth.trainability", log)
    res = run(params.section, params.seed, logger)
    meta = provenance.metadata(
        params.section, rule="depth_trainability", seed=params.seed, full_config=config
    )
    io.save_npz(output.npz, res, meta=meta)
    io.save_table(output.table, table(res), meta=meta, markdown=True)
    depth_plots.trainability(res, params.section, output.fig, meta)


def table(res: dict):
    import pandas as pd

    rows = []
    for i, d in enumerate(res["depths"]):
        for j, s2 in enumerate(res["sigma_w2"]):
            rows.append(
                {
                    "depth": int(d),
                    "sigma_w2": float(s2),
                    "train_accuracy": float(res["accuracy"][i, j]),
                    "xi_c": float(res["xi_c"][j]),
                    "six_xi_c": 6 * float(res["xi_c"][j]),
                }
            )
    return pd.DataFrame(rows)
