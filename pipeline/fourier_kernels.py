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
    ``steps`` steps and f0_train (S, N), f0_test (S, M) at initialisation.
    """
    g_train, g_test, eta = jnp.asarray(g_train, dtype), jnp.asarray(g_test, dtype), float(eta)
    y = jnp.asarray(y, dtype)[:, None]

    def one(key):
        params = init_params(key, spec, dtype)
        loss = lambda p: 0.5 * jnp.sum((apply(p, g_train, spec) - y) ** 2)  # noqa: E731
        step = lambda _, p: jax.tree_util.tree_map(lambda w, g: w - eta * g, p, jax.grad(loss)(p))  # noqa: E731
        f0 = apply(params, g_train, spec)[:, 0], apply(params, g_test, spec)[:, 0]
        params = jax.lax.fori_loop(0, steps, step, params)
        return apply(params, g_train, spec)[:, 0], apply(params, g_test, spec)[:, 0], *f0

    keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds))
    return tuple(np.asarray(v) for v in jax.jit(jax.vmap(one))(keys))


# --- the three experiments of rule fourier_ntk (pure: config section in, arrays out) -------------


def power_target(x: np.ndarray, n_harm: int, seed: int) -> np.ndarray:
    """sum_k k^-1/2 cos(2 pi k x + phi_k), k = 1..n_harm, random phases, scaled to unit std."""
    rng = np.random.default_rng(seed)
    k = np.arange(1, n_harm + 1)
    phi = rng.uniform(0, 2 * np.pi, n_harm)
    y = (k**-0.5 * np.cos(2 * np.pi * np.outer(x, k) + phi)).sum(1)
    return y / np.sqrt(0.5 * np.sum(1.0 / k))


def delta_grid(n_grid: int) -> np.ndarray:
    """x - x' on [-1, 1), spacing 2 / n_grid, symmetric about 0."""
    return np.arange(-(n_grid // 2), n_grid - n_grid // 2) / (n_grid / 2)


def mapping_kernels(kc: dict, mappings, seed: int, anchors=(0.2, 0.5, 0.8), window: float = 0.3) -> dict:
    """Per mapping: the kernel profiles K(x0 + Delta, x0) at ``anchors`` for |Delta| <= ``window``
    (``profile_<m>``, its stationarity error), the profile at one anchor over the whole grid
    (``k_<m>``), its spectrum (``lam_<m>`` at ``freqs``) and 90% bandwidth. ``kc`` = fourier.kernel."""
    deltas = delta_grid(kc["n_grid"])
    anchors = np.asarray(anchors, dtype=float)
    win = np.abs(deltas) <= window
    out: dict[str, np.ndarray] = {"deltas": deltas, "anchors": anchors, "profile_deltas": deltas[win]}
    for name in mappings:
        B, a = ff.mapping_matrices(name, 1, kc["n_freq"], kc["sigma"], kc["pe_scale"], seed)
        n_in = ff.n_features(name, 1, kc["n_freq"])
        spec = kernel_spec(n_in, kc["hidden_layers"], kc["w_std"], kc["b_std"])
        prof = profiles(spec, B, a, deltas[win], anchors)
        k0 = profiles(spec, B, a, deltas, np.array([0.0 if B is not None else 0.5]))[0]
        f, lam = spectrum(k0, deltas)
        out.update(
            {
                f"profile_{name}": prof,
                f"k_{name}": k0,
                f"lam_{name}": lam,
                f"stationarity_{name}": np.float64(stationarity_error(prof)),
                f"bandwidth_{name}": np.float64(bandwidth(f, lam)),
            }
        )
        out["freqs"] = f
    return out


def gaussian_reference_f90(deltas: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """f90 (``bandwidth``) of exp(-2 pi^2 w^2 Delta^2) on the grid ``deltas`` for every w of ``widths``:
    a kernel whose spectrum is a Gaussian of std w, so that its exact f90 is proportional to w (the
    known answer against which the f90 estimator's discretisation bias is measured)."""
    out = []
    for w in np.asarray(widths, float):
        f, lam = spectrum(np.exp(-2.0 * np.pi**2 * w**2 * deltas**2), deltas)
        out.append(bandwidth(f, lam))
    return np.asarray(out)


def bandwidth_sweep(kc: dict, seed: int) -> dict:
    """The Gaussian mapping's NTK spectrum and 90% bandwidth for every sigma of
    ``kc["bandwidth_sigmas"]`` (sorted) and ``kc["bandwidth_seeds"]`` draws of B (seeds seed + i):
    bw_sigmas (n_sigma,), bw_f90 (n_seeds, n_sigma), bw_lam (n_sigma, n_freq) of the first draw, and
    bw_ref_f90 (n_sigma,): the f90 of Gaussian kernels whose spectral std is kappa sigma, kappa matched
    so that the reference f90 equals the first draw's at the smallest sigma (same grid, same estimator:
    its log-log slope against sigma measures the estimator's bias, the exact answer being 1)."""
    deltas = delta_grid(kc["n_grid"])
    spec = kernel_spec(2 * kc["n_freq"], kc["hidden_layers"], kc["w_std"], kc["b_std"])
    sigmas = np.asarray(sorted(kc["bandwidth_sigmas"]), float)
    f90 = np.zeros((int(kc["bandwidth_seeds"]), len(sigmas)))
    lams = []
    for i in range(f90.shape[0]):
        for j, s in enumerate(sigmas):
            B, a = ff.mapping_matrices("gaussian", 1, kc["n_freq"], s, kc["pe_scale"], seed + i)
            f, lam = spectrum(profiles(spec, B, a, deltas, np.array([0.0]))[0], deltas)
            f90[i, j] = bandwidth(f, lam)
            if i == 0:
                lams.append(lam)
    z90 = gaussian_reference_f90(deltas, [1.0 / sigmas[0]])[0] * sigmas[0]  # f90 of a unit-std spectrum
    kappa = f90[0, 0] / (z90 * sigmas[0])
    return {
        "bw_sigmas": sigmas,
        "bw_f90": f90,
        "bw_lam": np.stack(lams),
        "bw_ref_f90": gaussian_reference_f90(deltas, kappa * sigmas),
    }


def power_law_demo(kc: dict, seed: int, on_power=None) -> dict:
    """1D regression with power-law mappings a_j = j^-p, b_j = j (Tancik et al. Fig. 3): per power p
    of ``kc["demo"]["powers"]``, the kernel GD prediction after ``steps`` steps and at T = inf, an
    ensemble of trained nets (``seeds``), each net's own linearisation under the analytic NTK,
    f_lin(x*) = f_0(x*) + K(x*, X) K^-1 (I - (I - eta K)^T) (y - f_0(X)) (``demo_lin``, (P, S, M); the
    infinite-width limit of that very net, Lee et al. 2019), and the training kernel's eigenvalues.
    ``on_power(i, p, rel_err)`` is called after each power (progress logging)."""
    dm = kc["demo"]
    x_tr = np.arange(dm["n_train"]) / dm["n_train"]
    x_te = np.arange(dm["n_test"]) / dm["n_test"]
    y_tr = power_target(x_tr, dm["target_harmonics"], seed)
    y_te = power_target(x_te, dm["target_harmonics"], seed)
    powers = np.asarray(dm["powers"], float)
    seeds = np.arange(dm["seeds"]) + 1000 * seed
    n_in = 2 * dm["n_harmonics"]
    spec = kernel_spec(n_in, kc["hidden_layers"], kc["w_std"], kc["b_std"], width=dm["width"])
    nets, lins, k_t, k_inf, eigs = [], [], [], [], []
    for i, p in enumerate(powers):
        B, a = ff.power_law(p, dm["n_harmonics"])
        k_tr = mapped_ntk(spec, B, a, x_tr[:, None])
        k_x = mapped_ntk(spec, B, a, x_te[:, None], x_tr[:, None])
        eta = 1.0 / np.linalg.eigvalsh(k_tr)[-1]
        k_t.append(gd_kernel_prediction(k_tr, k_x, y_tr, eta, dm["steps"]))
        k_inf.append(gd_kernel_prediction(k_tr, k_x, y_tr, eta, None))
        g_tr, g_te = ff.encode(x_tr[:, None], B, a), ff.encode(x_te[:, None], B, a)
        _, f_te, f0_tr, f0_te = train_ensemble(spec, g_tr, y_tr, g_te, eta, dm["steps"], seeds)
        nets.append(f_te)
        resid = y_tr[:, None] - f0_tr.T.astype(np.float64)  # (N, S)
        lins.append(f0_te + gd_kernel_prediction(k_tr, k_x, resid, eta, dm["steps"]).T)
        eigs.append(np.sort(np.linalg.eigvalsh(k_tr))[::-1])
        if on_power is not None:
            on_power(i, float(p), float(np.linalg.norm(f_te.mean(0) - k_t[-1]) / np.linalg.norm(k_t[-1])))
    return {
        "demo_x_train": x_tr,
        "demo_y_train": y_tr,
        "demo_x_test": x_te,
        "demo_y_test": y_te,
        "demo_powers": powers,
        "demo_nets": np.stack(nets),
        "demo_lin": np.stack(lins),
        "demo_kernel_T": np.stack(k_t),
        "demo_kernel_inf": np.stack(k_inf),
        "demo_eigs": np.stack(eigs),
    }
