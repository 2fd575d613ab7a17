"""Shared pieces of the spectra stage: the ReLU nets of the section, the quadrature settings, the
consistency checks of the config section, the figure names the checks point to."""

from __future__ import annotations

import math

import numpy as np

STAGE = "spectra"
STAGE_SALT = 15  # decorrelates this stage's random draws from other stages using the same seed
KERNELS = ("ntk", "nngp")
FIG_DECAY = "spectra/decay.png"
FIG_GRAM = "spectra/gram.png"
FIG_LEARN = "spectra/learning_time.png"


def net_spec(section: dict, depth: int, bias: bool, d: int, width: int = 1):
    """The ReLU MLP of the section at ``depth`` for inputs in R^d, with b_std (bias) or none."""
    from ..models import MLPSpec  # imports jax: only the jobs that need it pay for it

    net = {
        "depth": depth,
        "activation": "relu",
        "w_std": section["w_std"],
        "b_std": section["b_std"] if bias else None,
        "input_scaling": section["input_scaling"],
    }
    return MLPSpec.from_config(net, width, d)


def quad_kwargs(section: dict) -> dict:
    q = section["quadrature"]
    return {"order": int(q["order"]), "panels_per_period": float(q["panels_per_period"])}


def check_section(section: dict) -> None:
    """Consistency the schema cannot express; raises ConfigError naming the key."""
    from ..config import ConfigError
    from ..decay_asymptote import fit_degrees

    dec = section["decay"]
    n_deg = fit_degrees(int(section["k_max"]), dec["window"]).size
    if n_deg < dec["corrections"] + 3:
        raise ConfigError(
            f"config key spectra.decay.window: {dec['window']} leaves {n_deg} even degrees <= k_max = "
            f"{section['k_max']}; the fit with {dec['corrections']} corrections needs "
            f">= {dec['corrections'] + 3}"
        )
    if 1 not in section["depths"]:
        raise ConfigError(
            f"config key spectra.depths: {section['depths']} must include 1 (the two-layer net)"
        )
    ls = section["learning"]
    if max(ls["harmonics"]) >= ls["n_points"] / 2:
        raise ConfigError(
            f"config key spectra.learning.harmonics: {ls['harmonics']} must stay below n_points / 2 = "
            f"{ls['n_points'] / 2} (higher frequencies alias on {ls['n_points']} points)"
        )
    if sum(k >= ls["fit_k_min"] for k in ls["harmonics"]) < 2:
        raise ConfigError(
            f"config key spectra.learning.fit_k_min: {ls['fit_k_min']} leaves fewer than 2 harmonics of "
            f"{ls['harmonics']} to fit"
        )


def nanmean(a) -> float:
    a = np.asarray(a, dtype=float)
    return float(np.mean(a[np.isfinite(a)])) if np.isfinite(a).any() else math.nan


def worst_item(predicted, lows, highs, tol: float) -> int:
    """Index of the item that decides a prediction tested per item (per d, depth): the first that
    fails, else the first inconclusive one, else the one whose interval reaches farthest from its
    predicted value -- so that its own verdict under the verdict rule equals
    ``fits.combine_verdicts`` of all items."""
    from ..fits import verdict_from_ci

    verdicts = [verdict_from_ci(lo, hi, p - tol, p + tol) for p, lo, hi in zip(predicted, lows, highs)]
    for v in ("fail", "inconclusive"):
        if v in verdicts:
            return verdicts.index(v)
    reach = [max(abs(lo - p), abs(hi - p)) for p, lo, hi in zip(predicted, lows, highs)]
    return int(np.argmax(reach))
