"""Eigenspaces of a kernel matrix, and their harmonic labels on circle points.

Conventions: ``K`` is a symmetric (N, N) kernel matrix on the training inputs. Eigenvalues are
sorted in DESCENDING order; eigenvectors are the columns of ``V`` (N, N), orthonormal.

Eigenspaces: consecutive (sorted) eigenvalues belong to one eigenspace while they lie within a
relative tolerance ``rtol`` of the eigenspace's largest member (lambda_j >= (1 - rtol) lambda_first).
Eigenvalues below ``null_rtol * lambda_max`` (including small negative ones from round-off) form a
single final "null" eigenspace. On N equally spaced circle points every rotation-invariant kernel
is circulant: its eigenspaces are the pairs {cos(k g), sin(k g)} of one frequency k (singletons for
k = 0 and k = N/2); a finite-width kernel splits these pairs slightly, which ``rtol`` absorbs.

Harmonics: on equally spaced circle points (gamma_j = angle of x_j) the orthonormal real Fourier
basis (``harmonic_basis``) has for each k = 0 .. floor(N/2) the columns cos(k g)/||.|| and
sin(k g)/||.|| (sin absent for k = 0 and k = N/2). An eigenspace's harmonic label is the k that
carries the largest share of its squared projection ("purity" = that share, 1 for a pure harmonic).
"""

from __future__ import annotations

import numpy as np


def eigh_desc(K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (N,) descending and eigenvectors (N, N) (columns) of the symmetrised float64 K."""
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"kernel matrix must be square (N, N), got shape {K.shape}")
    if not np.all(np.isfinite(K)):
        raise ValueError("kernel matrix contains non-finite entries")
    lam, V = np.linalg.eigh(0.5 * (K + K.T))
    return lam[::-1].copy(), V[:, ::-1].copy()


def group_eigenvalues(lam: np.ndarray, rtol: float, null_rtol: float) -> np.ndarray:
    """Eigenspace index (N,) int of each descending eigenvalue; spaces numbered 0, 1, ... by
    decreasing eigenvalue, the null space (if any) last.

    A new eigenspace starts when lambda_j < (1 - rtol) * (largest eigenvalue of the current space);
    every lambda_j < null_rtol * lambda_max goes to the null space.
    """
    lam = np.asarray(lam, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"eigenvalues must be a non-empty 1-D array, got shape {lam.shape}")
    if np.any(np.diff(lam) > 0):
        raise ValueError("eigenvalues must be sorted in descending order")
    if not 0 <= rtol < 1:
        raise ValueError(f"rtol must be in [0, 1), got {rtol}")
    lam_max = lam[0]
    labels = np.empty(lam.size, dtype=np.int64)
    space, first = -1, None
    for j, l in enumerate(lam):
        if lam_max <= 0 or l < null_rtol * lam_max:
            labels[j:] = space + 1
            break
        if first is None or l < (1.0 - rtol) * first:
            space, first = space + 1, l
        labels[j] = space
    return labels


def null_space_index(lam: np.ndarray, labels: np.ndarray, null_rtol: float) -> int | None:
    """Index of the null eigenspace in ``labels`` (None when every eigenvalue is above the floor)."""
    small = np.asarray(lam) < null_rtol * np.asarray(lam)[0]
    return int(labels[small][0]) if small.any() else None


def eigenspaces(K: np.ndarray, rtol: float, null_rtol: float) -> dict[str, np.ndarray]:
    """Eigendecomposition of K grouped into eigenspaces.

    Returns ``evals`` (N,) descending, ``evecs`` (N, N), ``labels`` (N,) eigenspace of each
    eigenvector, ``lam`` (G,) mean eigenvalue per space, ``lam_lo``/``lam_hi`` (G,) its extremes,
    ``mult`` (G,) multiplicity, ``is_null`` (G,) bool.
    """
    evals, evecs = eigh_desc(K)
    labels = group_eigenvalues(evals, rtol, null_rtol)
    G = int(labels.max()) + 1
    lam = np.array([evals[labels == g].mean() for g in range(G)])
    lo = np.array([evals[labels == g].min() for g in range(G)])
    hi = np.array([evals[labels == g].max() for g in range(G)])
    mult = np.bincount(labels, minlength=G)
    is_null = np.zeros(G, dtype=bool)
    ns = null_space_index(evals, labels, null_rtol)
    if ns is not None:
        is_null[ns] = True
    return {
        "evals": evals,
        "evecs": evecs,
        "labels": labels,
        "lam": lam,
        "lam_lo": lo,
        "lam_hi": hi,
        "mult": mult,
        "is_null": is_null,
    }


def circle_angles(x: np.ndarray, atol: float = 1e-6) -> np.ndarray | None:
    """Angles gamma (N,) in [0, 2 pi) if x (N, 2) are N equally spaced points on the unit circle
    (in any order), else None."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] < 2:
        return None
    if np.max(np.abs(np.linalg.norm(x, axis=1) - 1.0)) > atol:
        return None
    g = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
    n = g.size
    gaps = np.diff(np.sort(np.concatenate([g, [np.sort(g)[0] + 2 * np.pi]])))
    if np.max(np.abs(gaps - 2 * np.pi / n)) > atol:
        return None
    return g


def harmonic_basis(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal real Fourier basis on equally spaced angles ``gamma`` (N,).

    Returns ``F`` (N, N) (columns) and ``k`` (N,) the frequency of each column, k = 0 .. floor(N/2):
    cos(0 g) once, then cos(k g), sin(k g) per k, and cos((N/2) g) once when N is even.
    """
    g = np.asarray(gamma, dtype=np.float64)
    n = g.size
    cols, ks = [], []
    for k in range(n // 2 + 1):
        for fn in (np.cos, np.sin):
            if fn is np.sin and (k == 0 or 2 * k == n):
                continue
            c = fn(k * g)
            cols.append(c / np.linalg.norm(c))
            ks.append(k)
    return np.stack(cols, axis=1), np.asarray(ks)


def harmonic_power(V: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Squared projection of each column of V (N, P) on each harmonic k: (P, floor(N/2) + 1)."""
    F, ks = harmonic_basis(gamma)
    coef2 = (F.T @ np.asarray(V, dtype=np.float64)) ** 2  # (N, P)
    out = np.zeros((V.shape[1], ks.max() + 1))
    np.add.at(out.T, ks, coef2)
    return out


def harmonic_labels(evecs: np.ndarray, labels: np.ndarray, gamma: np.ndarray | None):
    """Dominant harmonic k (G,) int and its share of the eigenspace's squared projection
    ("purity", (G,) in (0, 1]); k = -1 and purity NaN when ``gamma`` is None (not circle points)."""
    G = int(labels.max()) + 1
    if gamma is None:
        return np.full(G, -1, dtype=np.int64), np.full(G, np.nan)
    power = harmonic_power(evecs, gamma)  # (N, K)
    per_space = np.stack([power[labels == g].sum(0) for g in range(G)])  # (G, K)
    k = per_space.argmax(1)
    return k.astype(np.int64), per_space.max(1) / per_space.sum(1)


def circulant_spectrum(K: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Per-harmonic eigenvalue (floor(N/2) + 1,): mean Rayleigh quotient of K over the basis
    vectors of harmonic k. For a circulant K (the analytic kernel on equally spaced points) this is
    exactly its eigenvalue lambda_k = sum_j K(x_0, x_j) cos(k g_j); for a finite-width K it is the
    harmonic's average eigenvalue (trace of K on that 1- or 2-dim subspace / its dimension)."""
    F, ks = harmonic_basis(gamma)
    rq = np.einsum("ij,ik,kj->j", F, np.asarray(K, dtype=np.float64), F)
    return np.bincount(ks, weights=rq) / np.bincount(ks)
