"""Decay rates of the training residual per kernel eigenspace: measured (log-linear fits) and
predicted by the linear (lazy) theory.

Conventions (those of the train stage): loss L = 1/2 sum_i (f(x_i) - y_i)^2 (no 1/N), one GD step
w <- w - eta grad L. The residual u_t = f_t - y (N,) then obeys u_{t+1} ~= (I - eta K) u_t with K the
NTK at initialisation, so the component on eigenvector v_i decays like q_i^t, q_i = 1 - eta lambda_i.
Rates are per GD step: predicted rate = -ln|1 - eta lambda| (``predicted_rate``), its small-step
(gradient-flow) form eta lambda (``predicted_rate_flow``).

Measured: r_g(t) = || V_g^T u_t || (norm of the projection of u_t on eigenspace g; V_g (N, m_g) its
orthonormal eigenvectors). ``fit_rates`` fits ln r_g(t) = a - rate * t by least squares over the fit
window: the recorded steps from t = 0 up to (not including) the first step where r_g falls to
``floor`` (an absolute level, e.g. window_floor * ||u_0||, well above the float32 round-off of u);
it returns rate, its standard error, R^2 and the window.

An eigenspace's eigenvalue for prediction is the mean of its eigenvalues weighted by the initial
squared projections <u_0, v_j>^2 (plain mean when those vanish): that is the exact initial decay
rate of r_g^2 under the linear dynamics, and equals lambda for a true (degenerate) eigenspace.
"""

from __future__ import annotations

import numpy as np

STATUS_OK, STATUS_NULL, STATUS_BELOW_FLOOR, STATUS_FEW_POINTS = "ok", "null", "below_floor", "few_points"


def space_components(u: np.ndarray, evecs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Norms of the projections of u (..., T, N) on each eigenspace: (..., T, G)."""
    coef2 = (np.asarray(u, dtype=np.float64) @ np.asarray(evecs, dtype=np.float64)) ** 2  # (..., T, N)
    G = int(labels.max()) + 1
    onehot = (labels[:, None] == np.arange(G)[None, :]).astype(np.float64)  # (N, G)
    return np.sqrt(coef2 @ onehot)


def space_eigenvalues(evals: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Eigenvalue of each eigenspace (G,): mean of its eigenvalues weighted by ``weights`` (N,)
    (e.g. <u_0, v_j>^2); the plain mean where the weights of a space sum to (numerically) zero."""
    G = int(labels.max()) + 1
    plain = np.bincount(labels, weights=evals, minlength=G) / np.bincount(labels, minlength=G)
    if weights is None:
        return plain
    w = np.bincount(labels, weights=weights, minlength=G)
    wl = np.bincount(labels, weights=weights * evals, minlength=G)
    ok = w > 1e-30 * max(float(np.sum(weights)), 1e-300)
    return np.where(ok, wl / np.where(ok, w, 1.0), plain)


def predicted_rate(eta, lam) -> np.ndarray:
    """Per-step decay rate of GD along eigenvalue lam: -ln|1 - eta lam| (inf at eta lam = 1)."""
    with np.errstate(divide="ignore"):
        return -np.log(np.abs(1.0 - np.asarray(eta, dtype=np.float64) * np.asarray(lam, dtype=np.float64)))


def predicted_rate_flow(eta, lam) -> np.ndarray:
    """Gradient-flow rate eta * lam (the small-step limit of ``predicted_rate``)."""
    return np.asarray(eta, dtype=np.float64) * np.asarray(lam, dtype=np.float64)


def predicted_components(
    steps: np.ndarray, eta: float, evals: np.ndarray, evecs: np.ndarray, labels: np.ndarray, u0: np.ndarray
) -> np.ndarray:
    """Linear-theory projection norms (T, G): || diag((1 - eta lambda_j)^t) V_g^T u_0 ||."""
    c = evecs.T @ np.asarray(u0, dtype=np.float64)  # (N,)
    q = 1.0 - eta * np.asarray(evals, dtype=np.float64)
    amp2 = (np.abs(q)[None, :] ** (2.0 * np.asarray(steps, dtype=np.float64)[:, None])) * c[None, :] ** 2
    G = int(labels.max()) + 1
    onehot = (labels[:, None] == np.arange(G)[None, :]).astype(np.float64)
    return np.sqrt(amp2 @ onehot)


def predicted_loss(
    steps: np.ndarray, eta: float, evals: np.ndarray, evecs: np.ndarray, u0: np.ndarray
) -> np.ndarray:
    """Linear-theory train loss (T,): L_t = 1/2 sum_i (1 - eta lambda_i)^(2t) <u_0, v_i>^2."""
    c2 = (evecs.T @ np.asarray(u0, dtype=np.float64)) ** 2
    q2 = (1.0 - eta * np.asarray(evals, dtype=np.float64)) ** 2
    return 0.5 * (q2[None, :] ** np.asarray(steps, dtype=np.float64)[:, None] * c2[None, :]).sum(1)


def predicted_residual(
    steps: np.ndarray, eta: float, evals: np.ndarray, evecs: np.ndarray, u0: np.ndarray
) -> np.ndarray:
    """Linear-theory train residual (T, N): u_t = sum_i (1 - eta lambda_i)^t <u_0, v_i> v_i."""
    c = evecs.T @ np.asarray(u0, dtype=np.float64)
    q = 1.0 - eta * np.asarray(evals, dtype=np.float64)
    return (q[None, :] ** np.asarray(steps, dtype=np.float64)[:, None] * c[None, :]) @ evecs.T


def fit_window(r: np.ndarray, floor) -> np.ndarray:
    """Boolean mask (T, G): the recorded steps from the first one up to (excluding) the first where
    the component r (T, G) is not above ``floor`` (scalar or (G,)) or not finite."""
    r = np.asarray(r, dtype=np.float64)
    above = np.isfinite(r) & (r > np.broadcast_to(floor, r.shape[1:]))
    return np.cumprod(above, axis=0).astype(bool)


def loglinear_fit(t: np.ndarray, r: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Least squares ln r = a - rate * t per column over ``mask`` (T, G); t (T,), r (T, G) > 0 on mask.

    Returns (G,) arrays: rate (= -slope), stderr (standard error of the slope), r2, intercept and
    n (points used). Columns with fewer than 3 points get NaN rate/stderr/r2 (2 points: rate only).
    """
    t = np.asarray(t, dtype=np.float64)[:, None]
    w = np.asarray(mask, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(mask, np.log(np.where(mask, r, 1.0)), 0.0)
        n = w.sum(0)
        tm = (w * t).sum(0) / n
        ym = (w * y).sum(0) / n
        stt = (w * (t - tm) ** 2).sum(0)
        sty = (w * (t - tm) * (y - ym)).sum(0)
        syy = (w * (y - ym) ** 2).sum(0)
        slope = sty / stt
        sse = np.maximum((w * (y - ym - slope * (t - tm)) ** 2).sum(0), 0.0)
        stderr = np.sqrt(sse / (n - 2) / stt)
        r2 = np.where(syy > 0, 1.0 - sse / syy, np.nan)
    few = n < 2
    slope = np.where(few, np.nan, slope)
    stderr = np.where(n < 3, np.nan, stderr)
    r2 = np.where(n < 3, np.nan, r2)
    return {
        "rate": -slope,
        "stderr": stderr,
        "r2": r2,
        "intercept": np.where(few, np.nan, ym - slope * tm),
        "n": n.astype(np.int64),
    }


def fit_rates(
    steps: np.ndarray,
    r: np.ndarray,
    floor,
    min_points: int = 3,
    is_null: np.ndarray | None = None,
    decay: float = 0.0,
) -> dict[str, np.ndarray]:
    """Fit the decay rate of each component r (T, G) over its window above
    max(``floor``, ``decay`` * r(0)) (``decay`` = 1e-2: the first two decades of decay).

    Returns (G,) arrays: rate, stderr, r2, n, t_lo, t_hi (first/last step in the window; -1 when
    empty), status (``STATUS_*``: ok, null (eigenvalue ~ 0: no rate predicted), below_floor
    (r_g(0) not above the floor: nothing to fit), few_points (window shorter than ``min_points``)).
    Fits with status below_floor or few_points are NaN.
    """
    steps = np.asarray(steps)
    if steps.ndim != 1 or steps.size != r.shape[0]:
        raise ValueError(f"steps {steps.shape} must be (T,) with T = r.shape[0] = {r.shape[0]}")
    if np.any(np.diff(steps) <= 0):
        raise ValueError("steps must be strictly increasing")
    r = np.asarray(r, dtype=np.float64)
    mask = fit_window(r, np.maximum(floor, decay * np.nan_to_num(r[0])))
    fit = loglinear_fit(steps, r, mask)
    G = r.shape[1]
    status = np.full(G, STATUS_OK, dtype=object)
    status[fit["n"] < min_points] = STATUS_FEW_POINTS
    status[~mask[0]] = STATUS_BELOW_FLOOR
    if is_null is not None:
        status[np.asarray(is_null) & (status == STATUS_OK)] = STATUS_NULL
    bad = (status == STATUS_FEW_POINTS) | (status == STATUS_BELOW_FLOOR)
    for key in ("rate", "stderr", "r2"):
        fit[key] = np.where(bad, np.nan, fit[key])
    idx = np.arange(steps.size)[:, None]
    last = np.where(mask, idx, -1).max(0)
    fit["t_lo"] = np.where(mask[0], steps[0], -1)
    fit["t_hi"] = np.where(last >= 0, steps[np.maximum(last, 0)], -1)
    fit["status"] = status.astype(str)
    return fit


def relative_error(measured, predicted) -> np.ndarray:
    """|measured - predicted| / |predicted| (NaN where predicted is 0 or not finite)."""
    m = np.asarray(measured, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(p) & (p != 0), np.abs(m - p) / np.abs(p), np.nan)


def analyse(
    steps: np.ndarray,
    u: np.ndarray,
    eta: float,
    K: np.ndarray,
    *,
    rtol: float,
    null_rtol: float,
    window_floor: float,
    window_decay: float,
    min_points: int,
    gamma: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Everything per eigenspace of K for one run: u (T, N) residuals at ``steps`` (T,).

    Returns (G,) arrays lam (projection-weighted eigenvalue), lam_lo, lam_hi, mult, is_null,
    harmonic, purity, rate_pred, rate_pred_flow, rate_fit, rate_stderr, r2, n_points, t_lo, t_hi,
    status, rel_error, r0 (||V_g^T u_0||); and r (T, G) measured, r_pred (T, G) linear theory, plus
    the eigendecomposition (evals, evecs, labels).
    """
    from . import spectral

    u = np.asarray(u, dtype=np.float64)
    sp = spectral.eigenspaces(K, rtol, null_rtol)
    evals, evecs, labels = sp["evals"], sp["evecs"], sp["labels"]
    r = space_components(u, evecs, labels)
    c2 = (evecs.T @ u[0]) ** 2
    lam = space_eigenvalues(evals, labels, c2)
    floor = window_floor * float(np.linalg.norm(u[0]))
    fit = fit_rates(steps, r, floor, min_points, sp["is_null"], window_decay)
    k, purity = spectral.harmonic_labels(evecs, labels, gamma)
    rate_pred = np.where(sp["is_null"], 0.0, predicted_rate(eta, lam))
    ok = fit["status"] == STATUS_OK
    return {
        "lam": lam,
        "lam_lo": sp["lam_lo"],
        "lam_hi": sp["lam_hi"],
        "mult": sp["mult"],
        "is_null": sp["is_null"],
        "harmonic": k,
        "purity": purity,
        "rate_pred": rate_pred,
        "rate_pred_flow": np.where(sp["is_null"], 0.0, predicted_rate_flow(eta, lam)),
        "rate_fit": fit["rate"],
        "rate_stderr": fit["stderr"],
        "r2": fit["r2"],
        "n_points": fit["n"],
        "t_lo": fit["t_lo"],
        "t_hi": fit["t_hi"],
        "status": fit["status"],
        "rel_error": np.where(ok, relative_error(fit["rate"], rate_pred), np.nan),
        "r0": r[0],
        "r": r,
        "r_pred": predicted_components(steps, eta, evals, evecs, labels, u[0]),
        "evals": evals,
        "evecs": evecs,
        "labels": labels,
    }
