"""Fourier feature input mappings gamma(v) of Tancik et al. 2020.

    gamma(v) = [a_j cos(2 pi b_j . v), a_j sin(2 pi b_j . v)]_{j=1..m} / ||a||,    v (N, d)

with frequencies B = (b_j) (m, d) and amplitudes a (m,). Dividing by ||a|| (as the paper's code
does) makes ||gamma(v)|| = 1 for every v, so gamma(v) . gamma(v') = sum_j a_j^2 cos(2 pi b_j . (v - v'))
/ ||a||^2 depends on v - v' only: any dot-product kernel of the mapped inputs (e.g. the NTK of an
MLP) is stationary, with a bandwidth set by the spread of the b_j.

Mappings (``MAPPINGS``), for coordinates v in [0, 1)^d:

- ``none``: the raw coordinates, gamma(v) = v (d features).
- ``basic``: B = I_d, a = 1 (2d features).
- ``positional``: axis-aligned frequencies as in the paper's code, 2^linspace(0, s, m/d) - 1 on each
  axis separately (m frequency rows, 2m features; the "- 1" makes the first frequency 0, i.e. one
  constant feature per axis), a = 1.
- ``gaussian``: b_j ~ N(0, sigma^2 I_d) i.i.d. (m rows, 2m features; the paper: m = 256), a = 1.
- ``power_law(p, n)`` (1D only, the paper's Sec. 5 study): b_j = j, a_j = j^-p, j = 1..n;
  p = inf is the basic mapping (a = e_1), p = 0 weights all n harmonics equally.

Functions return numpy arrays for B and a (host side, float64) and a jax array for the features.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

MAPPINGS = ("none", "basic", "positional", "gaussian")  # in the order Tancik et al. rank them
LABELS = {"none": "no mapping", "basic": "basic", "positional": "positional enc.", "gaussian": "Gaussian"}


def positional_frequencies(d: int, n_freq: int, scale: float) -> np.ndarray:
    """Axis-aligned B (n_freq, d): 2^linspace(0, scale, n_freq // d) - 1 along each axis in turn."""
    if n_freq % d:
        raise ValueError(f"positional encoding needs n_freq divisible by d = {d}, got {n_freq}")
    f = 2.0 ** np.linspace(0.0, scale, n_freq // d) - 1.0
    return np.concatenate([np.outer(f, np.eye(d)[k]) for k in range(d)], axis=0)


def gaussian_frequencies(d: int, n_freq: int, sigma: float, seed: int) -> np.ndarray:
    """B (n_freq, d) with i.i.d. N(0, sigma^2) entries (numpy generator seeded by ``seed``)."""
    return sigma * np.random.default_rng(seed).standard_normal((n_freq, d))


def mapping_matrices(
    name: str, d: int, n_freq: int = 256, sigma: float = 10.0, pe_scale: float = 6.0, seed: int = 0
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(B (m, d), a (m,)) of the named mapping; (None, None) for ``none`` (identity)."""
    if name == "none":
        return None, None
    if name == "basic":
        B = np.eye(d)
    elif name == "positional":
        B = positional_frequencies(d, n_freq, pe_scale)
    elif name == "gaussian":
        B = gaussian_frequencies(d, n_freq, sigma, seed)
    else:
        raise ValueError(f"unknown mapping {name!r}; allowed: {MAPPINGS}")
    return B, np.ones(B.shape[0])


def power_law(p: float, n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """1D power-law mapping: B = (1..n)^T (n, 1), a_j = j^-p (p = inf -> a = e_1, the basic mapping)."""
    j = np.arange(1, n + 1, dtype=float)
    a = (j == 1).astype(float) if math.isinf(p) else j ** (-float(p))
    return j[:, None], a


def encode(x, B, a):
    """gamma(x): x (N, d) -> (N, 2m) [a cos(2 pi x B^T), a sin(2 pi x B^T)] / ||a||; x itself if B is None."""
    x = jnp.asarray(x)
    if B is None:
        return x
    B = jnp.asarray(B, x.dtype)
    a = jnp.asarray(a, x.dtype)
    proj = 2.0 * jnp.pi * x @ B.T
    return jnp.concatenate([a * jnp.cos(proj), a * jnp.sin(proj)], axis=-1) / jnp.linalg.norm(a)


def n_features(name: str, d: int, n_freq: int) -> int:
    """Width of gamma(v) for the named mapping."""
    return {"none": d, "basic": 2 * d}.get(name, 2 * n_freq)
