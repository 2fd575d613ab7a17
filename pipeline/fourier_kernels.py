"""The NTK of an MLP on Fourier-feature-mapped 1D inputs (Tancik et al. 2020, Secs. 4-5).

Kernel network: ``models.MLPSpec`` in NTK parameterisation (neural-tangents' analytic kernel via
``ntk_analytic.nt_kernels``), ReLU, ``hidden_layers`` hidden layers, bias ``b_std``, read-out and hidden
``w_std``, and ``w_std_first = sqrt(n_in)`` so that the first layer sees the plain dot product
gamma(x) . gamma(x') (+ b_std^2) of the mapped inputs (``||gamma|| = 1``, see ``fourier_features``).
Then K(x, x') = h(gamma(x) . gamma(x')) depends on x - x' only (stationary) for every Fourier mapping;
the raw input (``none``) gives a non-stationary kernel.

Spectrum convention: for a profile k(Delta) sampled on a symmetric grid Delta_j (spacing dDelta, window
length L), lambda(f) = sum_j k(Delta_j) cos(2 pi f Delta_j) dDelta at f = 0, 1/L, 2/L, ... (the
eigenvalues of the stationary kernel on a periodic domain of length L). The bandwidth f_q is the
smallest frequency below which the fraction q of sum_{f > 0} |lambda(f)| lies (DC excluded: a constant
offset carries no frequency information).

Kernel regression: full-batch gradient descent on L = 1/2 sum_i (f(x_i) - y_i)^2 (the project's
convention, no 1/N) with step eta from f = 0 gives, for the linearised model with kernel K,
f_T(x*) = K(x*, X) K^-1 (I - (I - eta K)^T) y; T -> inf is the kernel interpolant K(x*, X) K^-1 y.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import fourier_features as ff
from .models import MLPSpec, apply, init_params
from .ntk_analytic import nt_kernels


def kernel_spec(
    n_in: int, hidden_layers: int, w_std: float, b_std: float | None, width: int = 512
) -> MLPSpec:
    """NTK-parameterised ReLU MLP whose first layer sees gamma . gamma' (w_std_first = sqrt(n_in))."""
    return MLPSpec(
        depth=hidden_layers,
        width=width,
        d_in=n_in,
        d_out=1,
        activation="relu",
        w_std=w_std,
        b_std=b_std,
        w_std_first=math.sqrt(n_in),
    )


def mapped_ntk(spec: MLPSpec, B, a, x1: np.ndarray, x2: np.ndarray | None = None) -> np.ndarray:
    """Analytic NTK (N1, N2) of ``spec`` between gamma(x1) and gamma(x2); x (N, d) raw coordinates."""
    g1 = ff.encode(x1, B, a)
    g2 = None if x2 is None else ff.encode(x2, B, a)
    return np.asarray(nt_kernels(spec, g1, g2)["ntk"])


def profiles(spec: MLPSpec, B, a, deltas: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """k(x0 + Delta, x0) for every anchor x0 (1D): (len(anchors), len(deltas))."""
    anchors = np.asarray(anchors, np.float64)
    x1 = (anchors[:, None] + deltas[None, :]).reshape(-1, 1)
    k = mapped_ntk(spec, B, a, x1, anchors[:, None])  # (A * len(deltas), A)
    k = k.reshape(len(anchors), len(deltas), len(anchors))
    return np.stack([k[i, :, i] for i in range(len(anchors))])


def stationarity_error(prof: np.ndarray) -> float:
    """max_{x0, Delta} |k(x0 + Delta, x0) - mean over x0| / max |k|: 0 for a stationary kernel."""
    return float(np.max(np.abs(prof - prof.mean(0, keepdims=True))) / np.max(np.abs(prof)))


def spectrum(k: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f (F,), lambda (F,)) of a symmetric profile k(Delta) on the uniform grid ``deltas``
    (see the module doc)."""
    d = float(deltas[1] - deltas[0])
    n = len(deltas)
    i0 = int(np.argmin(np.abs(deltas)))
    lam = np.fft.rfft(np.roll(k, -i0)).real * d
    return np.fft.rfftfreq(n, d), lam


def bandwidth(freqs: np.ndarray, lam: np.ndarray, q: float = 0.9) -> float:
    """Smallest f with a fraction q of sum_{f>0} |lambda| at or below f (DC excluded)."""
    p = np.abs(lam[1:])
    c = np.cumsum(p) / p.sum()
    return float(freqs[1:][np.searchsorted(c, q)])


def gd_kernel_prediction(
    k_train: np.ndarray, k_cross: np.ndarray, y: np.ndarray, eta: float, steps: int | None
) -> np.ndarray:
    """Linearised-GD prediction K(x*, X) K^-1 (I - (I - eta K)^T) y; steps None -> T = inf (interpolant).

    k_train (N, N), k_cross (M, N), y (N,) or (N, k) -> (M,) or (M, k). Eigen-decomposition in float64.
    """
    lam, V = np.linalg.eigh(np.asarray(k_train, np.float64))
    lam = np.clip(lam, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        if steps is None:
            g = np.where(lam > lam.max() * 1e-12, 1.0 / lam, 0.0)
        else:  # (1 - (1 - eta lam)^T) / lam; expm1/log1p keeps precision for small eta lam
            r = 1.0 - eta * lam
            one_minus_pow = np.where(
                r > 0, -np.expm1(steps * np.log1p(-np.minimum(eta * lam, 1.0))), 1.0 - r**steps
            )
            g = np.where(lam > 0, one_minus_pow / lam, eta * steps)
    return np.asarray(k_cross, np.float64) @ (V @ (g[:, None] * (V.T @ y.reshape(len(lam), -1)))).reshape(
        (len(lam),) + y.shape[1:]
    )


def train_ensemble(
    spec: MLPSpec, g_train, y: np.ndarray, g_test, eta: float, steps: int, seeds, dtype=jnp.float32
) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch GD (1/2-sum loss, step eta) of the finite NTK-parameterised net, vmapped over seeds.

    g_train (N, D), y (N,), g_test (M, D) mapped inputs. Returns f_train (S, N), f_test (S, M) after
    ``steps`` steps.
    """
    g_train, g_test, eta = jnp.asarray(g_train, dtype), jnp.asarray(g_test, dtype), float(eta)
    y = jnp.asarray(y, dtype)[:, None]

    def one(key):
        params = init_params(key, spec, dtype)
        loss = lambda p: 0.5 * jnp.sum((apply(p, g_train, spec) - y) ** 2)  # noqa: E731
        step = lambda _, p: jax.tree_util.tree_map(lambda w, g: w - eta * g, p, jax.grad(loss)(p))  # noqa: E731
        params = jax.lax.fori_loop(0, steps, step, params)
        return apply(params, g_train, spec)[:, 0], apply(params, g_test, spec)[:, 0]

    keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds))
    f_tr, f_te = jax.jit(jax.vmap(one))(keys)
    return np.asarray(f_tr), np.asarray(f_te)
