"""Stage spectra: the eigenvalues of the limiting NTK / NNGP on the sphere (spectral bias) and the
learning time of each frequency.

Rules (workflow/rules/spectra.smk):

- ``spectra_analytic`` -> ``analytic``: results/spectra/analytic.npz. Funk-Hecke eigenvalues
  (``sphere_spectrum``) of the limiting NTK and NNGP (``ntk_analytic.limit_kernels``, float64) of
  ReLU MLPs for every d in ``dims``, depth in ``depths``, without and with a bias (b_std):
  ``mu`` (D, L, 2, 2, k_max + 1) indexed [dim, depth, bias (0 none, 1 b_std), kernel (0 ntk,
  1 nngp), k]; ``accuracy`` (D, L, 2, 2) the quadrature's error estimate max_k abs(mu_k - mu_k') /
  mu_0 (rule refined: order + 8, twice the panels); ``mult`` (D, k_max + 1) multiplicities N(d, k);
  and the circle validation: ``circle_exact`` (L, 2, n/2 + 1) = the per-harmonic eigenvalues / n of
  the analytic Gram matrix on ``circle_points`` equally spaced points (circulant, exact) and
  ``circle_funk`` the same from mu_k (aliased sum).
- ``spectra_gram`` -> ``gram``: results/spectra/gram.npz. Eigenvalues of the Gram matrix / N of the
  depth-1 bias-free NTK on N uniform random points (N in ``gram.n_points``, ``gram.seeds`` draws),
  ``err`` (D, n_N, S) = l2 distance sqrt(sum_i (lambda_i / N - mu_(i))^2) / mu_0 over the top M
  eigenvalues (the degrees k <= ``gram.degrees``, M = sum N(d, k); both sorted descending),
  ``top`` (D, M) the Gram
  eigenvalues at the largest N (seed 0), ``analytic_top`` (D, M).
- ``spectra_learning`` -> ``learning``: results/spectra/learning.npz. Full-batch GD
  (``training.model_fns`` / ``gd_update``, loss 1/2 sum (f - y)^2) of a one-hidden-layer ReLU net
  with bias (b_std) in NTK parameterisation on ``learning.n_points`` equally spaced circle points,
  target amplitude * sum_k cos(k g) over ``learning.harmonics``, centred (the net learns
  y + f_0, so the residual u_0 = -y holds only the target's harmonics; a small amplitude keeps the
  per-harmonic eigenvalues of the empirical NTK within a few % of their start: the lazy regime; with
  amplitude 0.1 at width 2048 the kernel drift slows the harmonics k >= 4 2-5 fold). Per seed: residual
  projection norms ``r`` (S, T, K) on each harmonic k (cos and sin), the fitted per-step decay rate
  (``rate_fit.fit_rates``), the learning time 1 / rate (steps per e-fold), the directly counted
  e-fold step (NaN where not reached), and the predicted rate -ln(1 - eta lambda_k) with lambda_k
  the exact circulant eigenvalue of the limit kernel on those points; ``k_drift_op`` (S,) =
  ||K_T - K_0||_2 and ``lambda_k0`` / ``lambda_kT`` (S, K) the per-harmonic Rayleigh quotients of the
  empirical NTK at the start and the end.
- ``spectra_summary`` -> ``summarize``: tables, checks, figures.

Tables: results/tables/spectra_eigenvalues.csv (d, depth, bias, kernel, k, mu, mu_rel = mu / mu_0,
multiplicity, quad_err = the quadrature's error estimate of that spectrum, max_k abs(error) / mu_0),
spectra_exponents.csv (d, depth, bias, kernel, k_lo, k_hi, parity, exponent, prediction: -d for the
NTK, -d - 2 for the NNGP; the last row per spectrum fits the upper half of the degrees, closer to
the asymptote), spectra_gram.csv (d, n_points, seed, err, err_sqrt_n = err * sqrt(N)),
spectra_learning.csv (seed, k, rate, time, time_efold, rate_pred, time_pred, status).

Checks (results/checks/spectra.csv): sphere_decay_exponent, sphere_odd_zero, depth_same_decay,
gram_matches_analytic, circle_matches_exact, learning_time_exponent (see ``theory_checks``);
sphere_odd_zero (the bias-free odd eigenvalues vanish exactly) and circle_matches_exact (the aliased
Funk-Hecke sum equals the circulant spectrum) are identities, kind "identity".
"""

from __future__ import annotations

import math
import time

import numpy as np

from .. import io, provenance, sphere_spectrum
from ..checks import Check, log_check, write_checks
from ..fits import fit_exponent, verdict_from_ci
from ..progress import get_logger

STAGE_SALT = 15  # decorrelates this stage's random draws from other stages using the same seed
KERNELS = ("ntk", "nngp")


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


def check_section(section: dict) -> None:
    """Consistency the schema cannot express; raises ConfigError naming the key."""
    from ..config import ConfigError

    k_lo, k_hi = section["decay_fit_k"]
    if not k_lo < k_hi <= section["k_max"]:
        raise ConfigError(
            f"config key spectra.decay_fit_k: {section['decay_fit_k']} must be [k_lo, k_hi] with "
            f"k_lo < k_hi <= spectra.k_max = {section['k_max']}"
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


def quad_kwargs(section: dict) -> dict:
    q = section["quadrature"]
    return {"order": int(q["order"]), "panels_per_period": float(q["panels_per_period"])}


# --- analytic spectra ---------------------------------------------------------------------------


def analytic_spectra(section: dict, log=None) -> dict[str, np.ndarray]:
    """Funk-Hecke eigenvalues of every (d, depth, bias, kernel), their accuracy, and the circle check."""
    import jax.numpy as jnp

    from .. import spectral
    from ..ntk_analytic import limit_kernels
    from ..precision import x64_context

    dims, depths, k_max = list(section["dims"]), list(section["depths"]), int(section["k_max"])
    quad = quad_kwargs(section)
    mu = np.zeros((len(dims), len(depths), 2, 2, k_max + 1))
    acc = np.zeros(mu.shape[:-1])
    for i, d in enumerate(dims):
        rules = (
            sphere_spectrum.funk_hecke_rule(d, k_max, **quad),
            sphere_spectrum.fine_rule(d, k_max, **quad),
        )
        for j, depth in enumerate(depths):
            for b in (0, 1):
                both = sphere_spectrum.mlp_spectra_with_accuracy(
                    net_spec(section, depth, bool(b), d), k_max, rules
                )
                for c, kern in enumerate(KERNELS):
                    mu[i, j, b, c], acc[i, j, b, c] = both[kern]
        if log is not None:
            log.info(
                f"d={d}: spectra of depths {depths} (ntk, nngp; no bias, b_std={section['b_std']}); "
                f"max quadrature error estimate {acc[i].max():.2e} of mu_0"
            )
    n = int(section["circle_points"])
    g = 2 * np.pi * np.arange(n) / n
    x = np.stack([np.cos(g), np.sin(g)], axis=1)
    exact = np.zeros((len(depths), 2, n // 2 + 1))
    funk = np.zeros_like(exact)
    d2 = 2 in dims
    for j, depth in enumerate(depths):
        for b in (0, 1):
            spec = net_spec(section, depth, bool(b), 2)
            with x64_context(True):
                K = np.asarray(limit_kernels(spec, jnp.asarray(x))["ntk"], dtype=np.float64)
            exact[j, b] = spectral.circulant_spectrum(K, g) / n
            mu2 = (
                mu[dims.index(2), j, b, 0]
                if d2
                else sphere_spectrum.mlp_spectrum(spec, max(k_max, 4 * n), **quad)
            )
            funk[j, b] = sphere_spectrum.circle_aliased(mu2, n)
    mult = np.stack([sphere_spectrum.multiplicity(d, np.arange(k_max + 1)) for d in dims])
    return {
        "dims": np.asarray(dims),
        "depths": np.asarray(depths),
        "k": np.arange(k_max + 1),
        "mu": mu,
        "accuracy": acc,
        "mult": mult,
        "circle_exact": exact,
        "circle_funk": funk,
        "circle_points": np.int64(n),
    }


# --- Gram matrices on random points ---------------------------------------------------------------


def gram_errors(
    section: dict, mu_by_dim: dict[int, np.ndarray], seed: int, log=None
) -> dict[str, np.ndarray]:
    """Gram / N eigenvalues of the depth-1 bias-free NTK on uniform random points vs mu_k."""
    gs = section["gram"]
    dims, ns, n_seeds = list(section["dims"]), sorted(int(n) for n in gs["n_points"]), int(gs["seeds"])
    n_top = {d: int(sphere_spectrum.multiplicity(d, np.arange(gs["degrees"] + 1)).sum()) for d in dims}
    m_max = max(n_top.values())
    err = np.full((len(dims), len(ns), n_seeds), np.nan)
    top = np.full((len(dims), m_max), np.nan)
    ana_top = np.full((len(dims), m_max), np.nan)
    for i, d in enumerate(dims):
        spec = net_spec(section, 1, False, d)
        mu = mu_by_dim[d]
        M = n_top[d]
        ana = sphere_spectrum.analytic_sorted(mu, d, M)
        ana_top[i, :M] = ana
        for a, n in enumerate(ns):
            pts = np.stack(
                [
                    sphere_spectrum.sphere_points(n, d, np.random.default_rng([seed, STAGE_SALT, d, n, s]))
                    for s in range(n_seeds)
                ]
            )
            lam = sphere_spectrum.gram_eigenvalues(spec, pts)  # (S, n)
            m = min(M, n)
            err[i, a] = np.sqrt(np.sum((lam[:, :m] - ana[None, :m]) ** 2, axis=1)) / mu[0]
            if a == len(ns) - 1:
                top[i, :m] = lam[0, :m]
        if log is not None:
            log.info(
                f"d={d}: Gram/N vs mu_k over the top {M} eigenvalues, mean error "
                + ", ".join(f"N={n}: {err[i, a].mean():.3g}" for a, n in enumerate(ns))
            )
    return {
        "dims": np.asarray(dims),
        "n_points": np.asarray(ns),
        "err": err,
        "top": top,
        "analytic_top": ana_top,
        "n_top": np.asarray([n_top[d] for d in dims]),
    }


# --- learning time of each harmonic ---------------------------------------------------------------


def _nanmean(a) -> float:
    a = np.asarray(a, dtype=float)
    return float(np.mean(a[np.isfinite(a)])) if np.isfinite(a).any() else math.nan


def circle_target(n: int, harmonics, amplitude: float):
    g = 2 * np.pi * np.arange(n) / n
    x = np.stack([np.cos(g), np.sin(g)], axis=1)
    y = amplitude * np.cos(np.outer(g, np.asarray(harmonics))).sum(1)
    return g, x, y


def harmonic_norms(u: np.ndarray, gamma: np.ndarray, harmonics) -> np.ndarray:
    """Norm of the projection of residuals u (..., N) on each harmonic k (cos and sin): (..., K)."""
    from .. import spectral

    F, ks = spectral.harmonic_basis(gamma)
    c2 = (np.asarray(u, dtype=np.float64) @ F) ** 2
    return np.sqrt(np.stack([c2[..., ks == k].sum(-1) for k in harmonics], axis=-1))


def efold_step(steps: np.ndarray, r: np.ndarray) -> np.ndarray:
    """First step (log-linearly interpolated) where r (T, K) has fallen to r(0) / e; NaN if never."""
    out = np.full(r.shape[1], np.nan)
    lr = np.log(np.maximum(r, 1e-300))
    for k in range(r.shape[1]):
        target = lr[0, k] - 1.0
        below = np.flatnonzero(lr[:, k] <= target)
        if below.size and below[0] > 0:
            t1, t0 = below[0], below[0] - 1
            frac = (lr[t0, k] - target) / (lr[t0, k] - lr[t1, k])
            out[k] = steps[t0] + frac * (steps[t1] - steps[t0])
    return out


def train_circle(section: dict, seed: int, x64: bool = False, log=None) -> dict[str, np.ndarray]:
    """GD of the centred one-hidden-layer ReLU net with bias on the circle; residual per harmonic."""
    import jax
    import jax.numpy as jnp

    from .. import rate_fit, spectral, training
    from ..ntk_analytic import limit_kernels
    from ..precision import float_dtype, x64_context

    ls = section["learning"]
    ks = np.asarray(ls["harmonics"], dtype=int)
    n, width, n_seeds, n_steps = int(ls["n_points"]), int(ls["width"]), int(ls["seeds"]), int(ls["steps"])
    g, x, y = circle_target(n, ks, float(ls["amplitude"]))
    spec = net_spec(section, 1, True, 2, width)
    with x64_context(True):
        K = np.asarray(limit_kernels(spec, jnp.asarray(x))["ntk"], dtype=np.float64)
    lam_inf = spectral.circulant_spectrum(K, g)  # exact per-harmonic eigenvalues of the limit kernel
    # equally spaced records plus log-spaced early ones (the fast low harmonics decay in a few steps)
    steps = np.unique(
        np.round(
            np.concatenate(
                [
                    np.linspace(0, n_steps, int(ls["records"])),
                    np.geomspace(1, n_steps, int(ls["records"]) // 2),
                ]
            )
        ).astype(int)
    )
    counts = np.diff(steps)
    t0 = time.perf_counter()
    with x64_context(x64):
        dt = float_dtype(x64)
        fns = training.model_fns(spec)
        key = jax.random.fold_in(jax.random.PRNGKey(seed), STAGE_SALT)
        params0 = training.init_batch(key, spec, range(n_seeds), dt)
        xj = jnp.asarray(x, dt)
        f0 = jax.vmap(fns.output, in_axes=(0, None))(params0, xj)  # (S, N)
        yc = jnp.asarray(y, dt)[None] + f0  # centred: the residual starts at -y
        K0 = jax.vmap(lambda p: fns.kernel_parts(p, xj).sum(0))(params0)
        lam_max = jnp.linalg.eigvalsh(K0)[:, -1]
        eta = (float(ls["lr"]) / lam_max).astype(dt)
        lg = jax.vmap(fns.loss_grad, in_axes=(0, None, 0))
        out = jax.vmap(fns.output, in_axes=(0, None))
        active = jnp.ones((n_seeds,), bool)

        @jax.jit
        def run(params, counts):
            def segment(p, k):
                p = jax.lax.fori_loop(
                    0, k, lambda i, q: training.gd_update(q, lg(q, xj, yc)[2], eta, active), p
                )
                return p, out(p, xj)

            return jax.lax.scan(segment, params, counts)

        params_t, fs = run(params0, jnp.asarray(counts, jnp.int32))
        f = np.concatenate([np.asarray(f0)[None], np.asarray(fs)], axis=0)  # (T, S, N)
        KT = jax.vmap(lambda p: fns.kernel_parts(p, xj).sum(0))(params_t)
        drift = np.abs(np.linalg.eigvalsh(np.asarray(KT - K0, dtype=np.float64))).max(-1)  # (S,)
        # per-harmonic eigenvalue (Rayleigh quotient) of K_0 and K_T: what the rate of harmonic k sees
        lam0 = np.stack(
            [spectral.circulant_spectrum(np.asarray(k, np.float64), g)[ks] for k in np.asarray(K0)]
        )
        lamT = np.stack(
            [spectral.circulant_spectrum(np.asarray(k, np.float64), g)[ks] for k in np.asarray(KT)]
        )
    seconds = time.perf_counter() - t0
    u = np.swapaxes(f, 0, 1) - np.asarray(yc, dtype=np.float64)[:, None, :]  # (S, T, N)
    r = harmonic_norms(u, g, ks)  # (S, T, K)
    eta = np.asarray(eta, dtype=np.float64)
    rate = np.full((n_seeds, ks.size), np.nan)
    status = np.empty((n_seeds, ks.size), dtype=object)
    for s in range(n_seeds):
        fit = rate_fit.fit_rates(
            steps,
            r[s],
            float(ls["window_floor"]) * np.linalg.norm(u[s, 0]),
            min_points=3,
            decay=float(ls["window_decay"]),
        )
        rate[s], status[s] = fit["rate"], fit["status"]
    efold = np.stack([efold_step(steps, r[s]) for s in range(n_seeds)])
    rate_pred = np.stack([rate_fit.predicted_rate(e, lam_inf[ks]) for e in eta])
    if log is not None:
        log.info(
            f"trained {n_seeds} seeds, width {width}, {n_steps} steps on N={n} in {seconds:.1f}s; "
            f"eta*lambda_max(K0) = {ls['lr']}; steps per e-fold (fit) "
            + ", ".join(
                f"k={k}: {_nanmean(1 / rate[:, i]):.0f} (pred {np.mean(1 / rate_pred[:, i]):.0f})"
                for i, k in enumerate(ks)
            )
        )
    return {
        "harmonics": ks,
        "steps": steps,
        "r": r,
        "rate": rate,
        "time": 1.0 / rate,
        "time_efold": efold,
        "rate_pred": rate_pred,
        "time_pred": 1.0 / rate_pred,
        "lambda_inf": lam_inf,
        "eta": eta,
        "lambda_max": np.asarray(lam_max, dtype=np.float64),
        "status": status.astype(str),
        "seconds": np.float64(seconds),
        "k_drift_op": drift,
        "lambda_k0": lam0,
        "lambda_kT": lamT,
    }


# --- tables -------------------------------------------------------------------------------------


def eigenvalue_table(ana: dict):
    import pandas as pd

    rows = []
    for i, d in enumerate(ana["dims"]):
        for j, depth in enumerate(ana["depths"]):
            for b in (0, 1):
                for c, kern in enumerate(KERNELS):
                    mu = ana["mu"][i, j, b, c]
                    for k in ana["k"]:
                        rows.append(
                            {
                                "d": int(d),
                                "depth": int(depth),
                                "bias": bool(b),
                                "kernel": kern,
                                "k": int(k),
                                "mu": mu[k],
                                "mu_rel": mu[k] / mu[0],
                                "multiplicity": int(ana["mult"][i, k]),
                                "quad_err": ana["accuracy"][i, j, b, c],
                            }
                        )
    return pd.DataFrame(rows)


def decay_exponent(mu: np.ndarray, k_lo: int, k_hi: int, parity: str = "even") -> float:
    """Log-log slope of mu_k over k in [k_lo, k_hi] of the given parity ('even', 'odd', 'all')."""
    k = np.arange(max(k_lo, 1), min(k_hi, mu.size - 1) + 1)
    if parity != "all":
        k = k[k % 2 == (0 if parity == "even" else 1)]
    return float(fit_exponent(k, mu[k][None])["exponent"])


def exponent_table(ana: dict, section: dict):
    """Fitted decay exponents: every (d, depth, bias, kernel) over the fit range (even k; with a
    bias also odd k) and over the upper half of the computed degrees (the asymptote)."""
    import pandas as pd

    k_lo, k_hi = section["decay_fit_k"]
    k_max = int(ana["k"][-1])
    rows = []
    for i, d in enumerate(ana["dims"]):
        for j, depth in enumerate(ana["depths"]):
            for b in (0, 1):
                for c, kern in enumerate(KERNELS):
                    mu = ana["mu"][i, j, b, c]
                    pred = -int(d) if kern == "ntk" else -int(d) - 2
                    for lo, hi, par in (
                        (k_lo, k_hi, "even"),
                        (k_lo, k_hi, "odd"),
                        (k_max // 2, k_max, "even"),
                    ):
                        if par == "odd" and (b == 0 and depth == 1):
                            continue  # exactly zero
                        rows.append(
                            {
                                "d": int(d),
                                "depth": int(depth),
                                "bias": bool(b),
                                "kernel": kern,
                                "k_lo": lo,
                                "k_hi": hi,
                                "parity": par,
                                "exponent": decay_exponent(mu, lo, hi, par),
                                "prediction": pred,
                            }
                        )
    return pd.DataFrame(rows)


def gram_table(gram: dict):
    import pandas as pd

    rows = []
    for i, d in enumerate(gram["dims"]):
        for a, n in enumerate(gram["n_points"]):
            for s in range(gram["err"].shape[2]):
                e = gram["err"][i, a, s]
                rows.append(
                    {
                        "d": int(d),
                        "n_points": int(n),
                        "seed": s,
                        "n_top": int(gram["n_top"][i]),
                        "err": e,
                        "err_sqrt_n": e * math.sqrt(n),
                    }
                )
    return pd.DataFrame(rows)


def learning_table(lrn: dict):
    import pandas as pd

    rows = []
    for s in range(lrn["rate"].shape[0]):
        for i, k in enumerate(lrn["harmonics"]):
            rows.append(
                {
                    "seed": s,
                    "k": int(k),
                    "rate": lrn["rate"][s, i],
                    "time": lrn["time"][s, i],
                    "time_efold": lrn["time_efold"][s, i],
                    "rate_pred": lrn["rate_pred"][s, i],
                    "time_pred": lrn["time_pred"][s, i],
                    "lambda_inf": lrn["lambda_inf"][int(k)],
                    "eta": lrn["eta"][s],
                    "k_drift_op": lrn["k_drift_op"][s] if "k_drift_op" in lrn else math.nan,
                    "lambda_k0": lrn["lambda_k0"][s, i] if "lambda_k0" in lrn else math.nan,
                    "lambda_kT": lrn["lambda_kT"][s, i] if "lambda_kT" in lrn else math.nan,
                    "status": str(lrn["status"][s, i]),
                }
            )
    return pd.DataFrame(rows)


# --- checks -------------------------------------------------------------------------------------

FIG_DECAY = "spectra/decay.png"
FIG_GRAM = "spectra/gram.png"
FIG_LEARN = "spectra/learning_time.png"


def check_decay_exponent(dims, mus, k_range, tol: float) -> Check:
    """sphere_decay_exponent: slope of mu_k (depth 1, no bias NTK) over even k in k_range is -d +- tol.
    ``mus``: one spectrum per d."""
    exps = [decay_exponent(mu, k_range[0], k_range[1], "even") for mu in mus]
    devs = [e + d for e, d in zip(exps, dims)]
    worst = int(np.argmax(np.abs(devs)))
    return Check(
        check="sphere_decay_exponent",
        stage="spectra",
        prediction="two-layer ReLU NTK on S^(d-1), no bias: mu_k ~ k^-d for even k",
        measured=exps[worst],
        tolerance=f"abs(exponent + d) <= {tol} for every d",
        passed=bool(np.all(np.abs(devs) <= tol)),
        figure=FIG_DECAY,
        detail="Bietti & Mairal 2019, Basri et al. 2019; log-log slope over even k in "
        f"{k_range[0]}..{k_range[1]}: "
        + ", ".join(f"d={d}: {e:.3f}" for d, e in zip(dims, exps))
        + f"; measured = the d={dims[worst]} slope (farthest from -d); the asymptote is approached "
        "slowly in high d (see spectra_exponents.csv for the upper half of the degrees)",
    )


def check_odd_zero(
    dims, mu_nobias, mu_bias, zero_tol: float, ratio_min: float, ratio_k_max: int, accuracy: float
) -> Check:
    """sphere_odd_zero: odd k >= 3 vanish without bias (abs(mu_k)/mu_0 < zero_tol); with bias
    mu_k / mu_(k-1) >= ratio_min for odd k < ratio_k_max."""
    leak = [float(np.max(np.abs(mu[3::2])) / mu[0]) for mu in mu_nobias]
    ratios = []
    for mu in mu_bias:
        k = np.arange(1, min(ratio_k_max, mu.size), 2)
        ratios.append(float(np.min(mu[k] / mu[k - 1])))
    ok = max(leak) < zero_tol and min(ratios) >= ratio_min
    return Check(
        check="sphere_odd_zero",
        stage="spectra",
        kind="identity",
        prediction="two-layer ReLU NTK without bias: mu_k = 0 for odd k >= 3; with a bias the odd "
        "eigenvalues are restored (same law as the even ones)",
        measured=max(leak),
        tolerance=f"abs(mu_k)/mu_0 < {zero_tol:g} (odd k >= 3, no bias) and "
        f"mu_k/mu_(k-1) >= {ratio_min} (odd k < {ratio_k_max}, bias)",
        passed=bool(ok),
        figure=FIG_DECAY,
        detail="Bietti & Mairal 2019, Basri et al. 2019; max abs(mu_odd)/mu_0 without bias "
        + ", ".join(f"d={d}: {v:.2e}" for d, v in zip(dims, leak))
        + f" (quadrature error estimate {accuracy:.1e} of mu_0); min mu_k/mu_(k-1) over odd k with bias "
        + ", ".join(f"d={d}: {v:.3f}" for d, v in zip(dims, ratios))
        + "; from 2 hidden layers on the bias-free odd eigenvalues are nonzero again (figure)",
    )


def check_depth_decay(dims, depths, exps: np.ndarray, tol: float) -> Check:
    """depth_same_decay: exps (D, L) decay exponents per d and depth agree within +- tol of depth 1's."""
    exps = np.asarray(exps, dtype=float)
    dev = np.abs(exps - exps[:, :1])
    return Check(
        check="depth_same_decay",
        stage="spectra",
        prediction="deep ReLU NTKs (no bias) decay with the same exponent as the two-layer one",
        measured=float(dev.max()),
        tolerance=f"abs(exponent(depth) - exponent(depth 1)) <= {tol}",
        passed=bool(dev.max() <= tol),
        figure=FIG_DECAY,
        detail="Bietti & Bach 2021, Geifman et al. 2020; exponents (even k) for depths "
        f"{list(map(int, depths))}: "
        + "; ".join(f"d={d}: " + ", ".join(f"{e:.3f}" for e in row) for d, row in zip(dims, exps)),
    )


def check_gram(dims, ns, err: np.ndarray, tol_c: float, ci: float, degrees: int) -> Check:
    """gram_matches_analytic: err (D, n_N, S) (l2 distance of the top Gram / N eigenvalues to the
    sorted mu_k, / mu_0) <= tol_c / sqrt(N) in the mean over seeds at every N and d, and the fitted
    error exponent (CI over seeds) < 0 for every d. Fail if the bound is broken; inconclusive when
    the error is not seen to shrink."""
    ns = np.asarray(ns, dtype=float)
    mean = np.nanmean(err, axis=2)  # (D, n_N)
    bound = tol_c / np.sqrt(ns)
    within = bool(np.all(mean <= bound[None]))
    fits = [fit_exponent(ns, err[i].T, ci) for i in range(len(dims))]
    worst = max(fits, key=lambda f: f["exponent"])
    if not within:
        verdict = "fail"
    else:
        lo, hi = worst["ci_low"], worst["ci_high"]
        verdict = "pass" if verdict_from_ci(lo, hi, -math.inf, 0.0) == "pass" else "inconclusive"
    return Check(
        check="gram_matches_analytic",
        stage="spectra",
        prediction="eigenvalues of the Gram matrix / N of N uniform points converge to the Funk-Hecke mu_k "
        "(with multiplicity N(d, k)) at rate N^-1/2",
        measured=float(worst["exponent"]),
        ci_low=float(worst["ci_low"]),
        ci_high=float(worst["ci_high"]),
        interval=f"{ci:.0%} t-interval over {worst['n_seeds']} seeds (uniform point draws at every N) of the "
        "per-seed log-log slope of the error vs N, at the dimension d with the largest (slowest) slope",
        tolerance=f"error = ||lambda/N - mu||_2 / mu_0 over the top eigenvalues (degrees <= {degrees}) <= "
        f"{tol_c:g}/sqrt(N) at every N (mean over draws), and the error's log-log slope in N "
        "(measured: the slowest d) has its CI below 0",
        verdict=verdict,
        figure=FIG_GRAM,
        detail="Koltchinskii & Gine 2000; depth-1 bias-free NTK; mean error at N = "
        f"{int(ns[-1])}: "
        + ", ".join(f"d={d}: {m:.3g}" for d, m in zip(dims, mean[:, -1]))
        + "; fitted rate (log-log slope of the error vs N, CI over seeds): "
        + ", ".join(
            f"d={d}: {f['exponent']:.2f} [{f['ci_low']:.2f}, {f['ci_high']:.2f}]" for d, f in zip(dims, fits)
        )
        + f"; error * sqrt(N) at N = {int(ns[0])}..{int(ns[-1])}: "
        + "; ".join(
            f"d={d}: " + ", ".join(f"{v:.2f}" for v in row * np.sqrt(ns)) for d, row in zip(dims, mean)
        ),
    )


def check_circle(exact: np.ndarray, funk: np.ndarray, n: int, tol: float) -> Check:
    """circle_matches_exact: Funk-Hecke (aliased) vs the exact circulant eigenvalues on n points."""
    rel = float(np.max(np.abs(funk - exact)) / np.max(np.abs(exact)))
    return Check(
        check="circle_matches_exact",
        stage="spectra",
        kind="identity",
        prediction="on n equally spaced circle points the Gram eigenvalues / n equal sum_j mu_(abs(k + j n))",
        measured=rel,
        tolerance=f"max abs(difference) / lambda_max <= {tol:g}",
        passed=bool(rel <= tol),
        figure=FIG_GRAM,
        detail=f"circulant spectrum of the analytic NTK (float64) on {n} points, every depth, with and "
        "without "
        f"bias; top eigenvalues (Gram, depth 1 no bias) {', '.join(f'{v * n:.4g}' for v in exact[0, 0, :4])}",
    )


def check_learning(
    ks,
    times: np.ndarray,
    times_pred: np.ndarray,
    k_min: int,
    tol: float,
    ci: float,
    width: int,
    n_steps: int,
    drift: float = math.nan,
    lam_min: float = math.nan,
    harmonic_drift: float = math.nan,
) -> Check:
    """learning_time_exponent: slope of the learning time (S, K) vs k over k >= k_min is 2 +- tol
    (CI over seeds), and the analytic slope (times_pred) too."""
    ks = np.asarray(ks)
    sel = ks >= k_min
    fit = fit_exponent(ks[sel], np.asarray(times)[:, sel], ci)
    pred_mean = np.nanmean(np.asarray(times_pred), axis=0)[None]
    ana = fit_exponent(ks[sel], pred_mean[:, sel], ci)["exponent"]
    ana_all = fit_exponent(ks, pred_mean, ci)["exponent"]
    verdict = verdict_from_ci(fit["ci_low"], fit["ci_high"], 2 - tol, 2 + tol)
    if not (abs(ana - 2) <= tol):
        verdict = "fail"
    return Check(
        check="learning_time_exponent",
        stage="spectra",
        prediction="GD steps to learn frequency k on the circle (ReLU net with bias) grow like k^2",
        measured=fit["exponent"],
        ci_low=fit["ci_low"],
        ci_high=fit["ci_high"],
        interval=f"{ci:.0%} t-interval over {fit['n_seeds']} seeds of the per-seed log-log slope of the "
        f"learning time vs k (k >= {k_min})",
        tolerance=f"slope in 2 +- {tol} (whole {ci:.0%} CI over seeds), analytic slope too",
        verdict=verdict,
        figure=FIG_LEARN,
        detail=f"Basri et al. 2019; time = 1/(fitted per-step decay rate of the residual of harmonic k), "
        f"k in {list(map(int, ks[sel]))}, width {width}, {n_steps} steps, {fit['n_seeds']} seeds; "
        f"analytic slope of 1/(-ln(1 - eta lambda_k)): {ana:.3f} (over all k in "
        f"{list(map(int, ks))}: {ana_all:.3f}, pre-asymptotic at low k); measured e-fold times per k (mean): "
        + ", ".join(f"{int(k)}: {_nanmean(t):.0f}" for k, t in zip(ks, np.asarray(times).T))
        + (
            f"; lazy: kernel drift max_s ||K_T - K_0||_2 = {drift:.3g} (the smallest target eigenvalue is "
            f"{lam_min:.3g}), but the eigenvalue of each fitted harmonic (Rayleigh quotient of K) changes by "
            f"at most {harmonic_drift:.1%} from step 0 to the end"
            if np.isfinite(drift)
            else ""
        ),
    )


def _harmonic_drift(lrn: dict, k_min: int) -> float:
    """max over seeds and fitted harmonics of abs(lambda_k(K_T) / lambda_k(K_0) - 1) (NaN: not recorded)."""
    if "lambda_k0" not in lrn:
        return math.nan
    sel = np.asarray(lrn["harmonics"]) >= k_min
    return float(np.max(np.abs(lrn["lambda_kT"][:, sel] / lrn["lambda_k0"][:, sel] - 1)))


def theory_checks(ana: dict, gram: dict, lrn: dict, section: dict) -> list[Check]:
    dims = [int(d) for d in ana["dims"]]
    depths = [int(d) for d in ana["depths"]]
    mu = ana["mu"]
    k_range = tuple(section["decay_fit_k"])
    j1 = depths.index(1) if 1 in depths else 0
    exps = np.array(
        [
            [decay_exponent(mu[i, j, 0, 0], k_range[0], k_range[1]) for j in range(len(depths))]
            for i in range(len(dims))
        ]
    )
    ls, gs = section["learning"], section["gram"]
    return [
        check_decay_exponent(
            dims, [mu[i, j1, 0, 0] for i in range(len(dims))], k_range, section["exponent_tol"]
        ),
        check_odd_zero(
            dims,
            [mu[i, j1, 0, 0] for i in range(len(dims))],
            [mu[i, j1, 1, 0] for i in range(len(dims))],
            section["odd_zero_tol"],
            section["odd_ratio_min"],
            section["odd_ratio_k_max"],
            float(ana["accuracy"].max()),
        ),
        check_depth_decay(dims, depths, exps, section["depth_tol"]),
        check_gram(dims, gram["n_points"], gram["err"], gs["tol_c"], section["ci"], gs["degrees"]),
        check_circle(
            ana["circle_exact"], ana["circle_funk"], int(ana["circle_points"]), section["circle_tol"]
        ),
        check_learning(
            lrn["harmonics"],
            lrn["time"],
            lrn["time_pred"],
            ls["fit_k_min"],
            ls["slope_tol"],
            section["ci"],
            ls["width"],
            ls["steps"],
            float(np.max(lrn["k_drift_op"])) if "k_drift_op" in lrn else math.nan,
            float(lrn["lambda_inf"][int(np.max(lrn["harmonics"]))]),
            _harmonic_drift(lrn, ls["fit_k_min"]),
        ),
    ]


# --- rule entry points --------------------------------------------------------------------------


def analytic(section: dict, out: str, log: str | None = None, config: dict | None = None) -> dict:
    """Rule spectra_analytic."""
    logger = get_logger("spectra.analytic", log)
    check_section(section)
    t0 = time.perf_counter()
    arrays = analytic_spectra(section, logger)
    io.save_npz(out, arrays, meta=provenance.metadata(section, rule="spectra_analytic", full_config=config))
    logger.info(
        f"analytic spectra in {time.perf_counter() - t0:.1f}s; max quadrature error estimate "
        f"{arrays['accuracy'].max():.2e} of mu_0; circle: max abs(Funk-Hecke - exact) "
        f"{np.abs(arrays['circle_funk'] - arrays['circle_exact']).max():.2e}"
    )
    return arrays


def gram(
    analytic_path: str, section: dict, seed: int, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule spectra_gram."""
    logger = get_logger("spectra.gram", log)
    ana = io.load_npz(analytic_path, required=("dims", "depths", "mu"))
    depths = [int(d) for d in ana["depths"]]
    j1 = depths.index(1) if 1 in depths else None
    mu_by_dim = {}
    for i, d in enumerate(ana["dims"]):
        mu_by_dim[int(d)] = (
            ana["mu"][i, j1, 0, 0]
            if j1 is not None
            else sphere_spectrum.mlp_spectrum(
                net_spec(section, 1, False, int(d)), int(section["k_max"]), **quad_kwargs(section)
            )
        )
    t0 = time.perf_counter()
    arrays = gram_errors(section, mu_by_dim, seed, logger)
    io.save_npz(
        out, arrays, meta=provenance.metadata(section, rule="spectra_gram", seed=seed, full_config=config)
    )
    logger.info(f"Gram spectra in {time.perf_counter() - t0:.1f}s")
    return arrays


def learning(
    section: dict, seed: int, x64: bool, out: str, log: str | None = None, config: dict | None = None
) -> dict:
    """Rule spectra_learning."""
    logger = get_logger("spectra.learning", log)
    check_section(section)
    arrays = train_circle(section, seed, x64, logger)
    io.save_npz(
        out,
        arrays,
        meta=provenance.metadata(section, rule="spectra_learning", seed=seed, x64=x64, full_config=config),
    )
    return arrays


def summarize(
    analytic_path: str,
    gram_path: str,
    learning_path: str,
    section: dict,
    outputs: dict,
    log: str | None = None,
    config: dict | None = None,
) -> list[Check]:
    """Rule spectra_summary: tables, checks, figures. ``outputs``: eigenvalues, exponents, gram,
    learning (tables), checks, fig_decay, fig_gram, fig_learning (paths)."""
    from . import spectra_plots

    logger = get_logger("spectra.summary", log)
    ana = io.load_npz(
        analytic_path,
        required=(
            "dims",
            "depths",
            "k",
            "mu",
            "accuracy",
            "mult",
            "circle_exact",
            "circle_funk",
            "circle_points",
        ),
    )
    grm = io.load_npz(gram_path, required=("dims", "n_points", "err", "top", "analytic_top", "n_top"))
    lrn = io.load_npz(
        learning_path,
        required=(
            "harmonics",
            "steps",
            "r",
            "rate",
            "time",
            "time_efold",
            "rate_pred",
            "time_pred",
            "lambda_inf",
            "eta",
            "status",
        ),
    )
    meta = provenance.metadata(section, rule="spectra_summary", full_config=config)
    io.save_table(outputs["eigenvalues"], eigenvalue_table(ana), meta=meta)
    exps = exponent_table(ana, section)
    io.save_table(outputs["exponents"], exps, meta=meta, markdown=True)
    io.save_table(outputs["gram"], gram_table(grm), meta=meta, markdown=True)
    io.save_table(outputs["learning"], learning_table(lrn), meta=meta, markdown=True)
    cks = theory_checks(ana, grm, lrn, section)
    write_checks(outputs["checks"], cks, meta=meta)
    spectra_plots.decay(ana, section, outputs["fig_decay"], meta)
    spectra_plots.gram(ana, grm, outputs["fig_gram"], meta)
    spectra_plots.learning_time(lrn, section, outputs["fig_learning"], meta)
    for c in cks:
        log_check(logger, c)
    return cks


def rule_analytic(*, input, output, params, wildcards, log, config):
    analytic(params.section, output.npz, log, config)


def rule_gram(*, input, output, params, wildcards, log, config):
    gram(input.analytic, params.section, params.seed, output.npz, log, config)


def rule_learning(*, input, output, params, wildcards, log, config):
    learning(params.section, params.seed, params.x64, output.npz, log, config)


def rule_summary(*, input, output, params, wildcards, log, config):
    outs = {
        k: getattr(output, k)
        for k in (
            "eigenvalues",
            "exponents",
            "gram",
            "learning",
            "checks",
            "fig_decay",
            "fig_gram",
            "fig_learning",
        )
    }
    summarize(input.analytic, input.gram, input.learning, params.section, outs, log, config)
