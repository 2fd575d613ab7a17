"""Non-centred kernel PCA on the empirical input distribution, and the g/h decomposition of a GD path
(Jacot et al. 2018, Section 6 and Figure 3).

Kernel PCA with the 1/N normalisation: on N inputs with the empirical measure p_in = (1/N) sum_j
delta_{x_j}, the kernel's integral operator (T f)(x) = (1/N) sum_j K(x, x_j) f(x_j) has on the data
the matrix K / N. Its eigenpairs, ``kernel_pca(K, k)``:

    K / N = sum_i lambda_i v_i v_i^T  (v_i orthonormal in R^N, lambda_1 >= lambda_2 >= ...),
    f^(i)(x_j) = sqrt(N) v_i[j],      so <f^(i), f^(k)>_{p_in} = (1/N) sum_j f^(i)(x_j) f^(k)(x_j) = delta_ik.

"Non-centred": K is used as it is (no double centring), so f^(1) is close to the constant function
for ReLU NTKs. Signs are fixed so that each component's largest-|.| entry is positive.

GD path in function space (``decompose``): GD on the 1/(2N) loss with learning rate 1 moves the
outputs on the batch, in the limit, as f_{t+1} - f* = (I - K/N)(f_t - f*). Started from
f_0 - f* = -a f^(2) (target f* = f_0 + a f^(2)), the path stays on the straight line through f_0 and
f*: f_t - f* = g_t + h_t with

    g_t = <f_t - f*, f^(2)>_{p_in} f^(2)  (along f^(2)),   h_t = f_t - f* - g_t  (orthogonal to it),
    ||g_t||_{p_in} = a (1 - lambda_2)^t ~= a exp(-lambda_2 t),   h_t = 0.

All norms are p_in norms, ||u||_{p_in} = sqrt((1/N) sum_j u_j^2). A finite net's ||h_t|| measures
its deviation from the straight line.

Shapes: K (N, N) symmetric; components (N, k); a path (T, N) for T recorded steps; t (T,).
Cost: one dense ``eigh`` of K (O(N^3), < 0.1 s for N = 512); Jacot et al. used power iteration on a
width-10000 net's kernel, we use the analytic limit directly.
"""

from __future__ import annotations

import numpy as np


def kernel_pca(K: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``n_components`` of the non-centred kernel PCA with the 1/N normalisation.

    Returns (eigenvalues (k,) of K / N, descending; components (N, k) with p_in norm 1).
    """
    K = np.asarray(K, dtype=np.float64)
    n = K.shape[0]
    if K.shape != (n, n):
        raise ValueError(f"K must be square, got {K.shape}")
    if not 1 <= n_components <= n:
        raise ValueError(f"n_components must be in 1..{n}, got {n_components}")
    lam, vecs = np.linalg.eigh((K + K.T) / (2 * n))
    order = np.argsort(lam)[::-1][:n_components]
    lam, vecs = lam[order], vecs[:, order]
    big = np.argmax(np.abs(vecs), axis=0)
    vecs = vecs * np.sign(vecs[big, np.arange(vecs.shape[1])])[None, :]
    return lam, np.sqrt(n) * vecs


def inner(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """<u, v>_{p_in} = (1/N) sum_j u_j v_j over the last axis."""
    return np.mean(np.asarray(u) * np.asarray(v), axis=-1)


def p_norm(u: np.ndarray) -> np.ndarray:
    """||u||_{p_in} = sqrt((1/N) sum_j u_j^2) over the last axis."""
    return np.sqrt(np.mean(np.asarray(u, dtype=np.float64) ** 2, axis=-1))


def decompose(path: np.ndarray, f_star: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """||g_t|| and ||h_t|| (p_in norms) of f_t - f* along / orthogonal to ``direction``.

    path (T, N) or (S, T, N) outputs on the batch; f_star (N,) or (S, N); direction (N,) (any norm;
    normalised here). Returns (g_norm, h_norm), each of shape path.shape[:-1].
    """
    path = np.asarray(path, dtype=np.float64)
    f_star = np.asarray(f_star, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    d = d / p_norm(d)
    r = path - (f_star[..., None, :] if path.ndim == f_star.ndim + 1 else f_star)
    c = inner(r, d)
    g = c[..., None] * d
    return np.abs(c), p_norm(r - g)


def predicted_g(t, lam: float, amplitude: float = 0.5, discrete: bool = False) -> np.ndarray:
    """The limit's ||g_t||: amplitude exp(-lam t) (gradient flow, the paper's curve) or
    amplitude (1 - lam)^t (discrete GD with learning rate 1 on the 1/(2N) loss)."""
    t = np.asarray(t, dtype=np.float64)
    if discrete:
        return amplitude * (1.0 - lam) ** t
    return amplitude * np.exp(-lam * t)


def decay_rate(t: np.ndarray, g_norm: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Rate r of ||g_t|| ~ c exp(-r t): minus the least-squares slope of log ||g_t|| against t over the
    recorded steps with ||g_t|| > floor. g_norm (T,) or (S, T); returns () or (S,) (NaN if < 2 points)."""
    t = np.asarray(t, dtype=np.float64)
    g = np.atleast_2d(np.asarray(g_norm, dtype=np.float64))
    out = []
    for row in g:
        ok = np.isfinite(row) & (row > floor)
        out.append(-np.polyfit(t[ok], np.log(row[ok]), 1)[0] if ok.sum() >= 2 else np.nan)
    out = np.asarray(out)
    return out if np.ndim(g_norm) == 2 else out[0]
