"""Stage regimes, shared pieces: data loaders, per-experiment random draws, the MLP specs of the
parameterisation experiments and the compile helpers.

Randomness: each experiment draws from numpy's ``default_rng([seed, STAGE_SALT, experiment id,
width / trial])`` (``experiment_rng``), so the same config gives identical numbers and a new master
seed gives new draws everywhere. Initial weights come from these standard-normal draws scaled per
parameterisation (``parameterisations.scale_init``), stacked on a leading seed axis (S, ...).

Shapes: circle data x (N, 2), y (N,); digits x (1797, 64) in [0, 1], labels (1797,) int32.
"""

from __future__ import annotations

import math

import numpy as np

from .. import io

STAGE = "regimes"
STAGE_SALT = 13
EXPERIMENT_IDS = {"alpha": 1, "width": 2, "coord": 3, "lr": 4, "teacher": 5}
CHANCE_LOSS = math.log(10.0)  # cross-entropy of a uniform guess over the 10 digits
LIGHT_WIDTH = 1024  # programs of nets up to this width are compiled for compile speed (see call)


def experiment_rng(seed: int, experiment: str, *more: int) -> np.random.Generator:
    """numpy Generator of one experiment (and width / trial): initial draws without JAX's PRNG, whose
    threefry programs cost seconds of compile per new shape on a CPU."""
    return np.random.default_rng([int(seed), STAGE_SALT, EXPERIMENT_IDS[experiment], *(int(m) for m in more)])


def init_stacked(spec, rng, n_seeds: int, readout_zero: bool = False):
    """Stacked inits (S, ...) of ``spec`` per ``parameterisations`` from numpy draws (jax arrays)."""
    import jax
    import jax.numpy as jnp

    from .. import parameterisations as P

    unit = P.normal_draws(rng, spec, n_seeds)
    return jax.tree.map(jnp.asarray, P.scale_init(spec, unit, readout_zero))


def load_circle(path) -> dict:
    d = io.load_npz(path, required=("x_train", "y_train", "x_test", "y_test"))
    return {
        k: np.asarray(d[k], np.float32).reshape(d[k].shape[0], -1)
        if k.startswith("x")
        else np.asarray(d[k], np.float32).reshape(-1)
        for k in ("x_train", "y_train", "x_test", "y_test")
    }


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1797 images, no download): x (1797, 64) in [0, 1], labels."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int32)


def alpha_values(section: dict) -> np.ndarray:
    return np.logspace(section["log10_min"], section["log10_max"], section["n"])


def width_spec(param: str, width: int, d_in: int, base_width: int):
    from ..models import MLPSpec

    return MLPSpec(
        depth=1,
        width=int(width),
        d_in=d_in,
        w_std=1.0,
        w_std_first=math.sqrt(d_in),
        b_std=None,
        parameterization=param,
        base_width=int(base_width) if param == "mup" else None,
    )


def stack(trees: list):
    """Stack pytrees (numpy / jax leaves or floats) on a new leading axis: (P, ...)."""
    import jax
    import jax.numpy as jnp

    return jax.tree.map(lambda *leaves: jnp.stack([jnp.asarray(v, jnp.float32) for v in leaves]), *trees)


def call(program, *args, light: bool = False):
    """Compile ``program`` (a jitted function) for ``args`` and run it. ``light``: a program whose
    compile time dwarfs its run time (a few steps, small widths) is compiled with XLA's backend
    optimisation level 0 (about 2.5x faster to compile on a CPU; the same operations)."""
    lowered = program.lower(*args)
    compiled = lowered.compile({"xla_backend_optimization_level": 0}) if light else lowered.compile()
    return compiled(*args)


def param_batch(specs: list, unit: list[dict], optimizer_name: str, readout_zero=()):
    """One compiled program serves several parameterisations of the same shapes: their inits from
    the same standard-normal draws ``unit`` (S, ...), forward multipliers and lr multipliers, stacked
    on a leading parameterisation axis P. ``readout_zero``: the parameterisations to zero-init."""
    from .. import parameterisations as P

    p0 = stack([P.scale_init(sp, unit, sp.parameterization in readout_zero) for sp in specs])
    mults = stack([P.multipliers(sp) for sp in specs])
    lr_mults = stack([P.lr_multipliers(sp, optimizer_name) for sp in specs])
    return p0, mults, lr_mults


def mlp_spec(param: str, width: int, depth: int, d_in: int, d_out: int, base_width: int):
    from ..models import MLPSpec

    return MLPSpec(
        depth=int(depth),
        width=int(width),
        d_in=d_in,
        d_out=d_out,
        w_std=1.0,
        b_std=None,
        parameterization=param,
        base_width=int(base_width) if param == "mup" else None,
    )


def xent(logits, labels):
    import jax
    import jax.numpy as jnp

    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], 1))
