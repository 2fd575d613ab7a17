"""Kernel ridge regression with a ridge chosen by cross-validation on the training rows, kernel
gradient descent, scores and prediction gaps (Arora et al. 2020's NTK regression on small data).

Kernel ridge regression, on training kernel K (n, n), test-vs-train kernel K_* (m, n), targets
Y (n, C):

    f_*(ridge) = K_* (K + ridge * kbar * I)^-1 Y,        kbar = trace(K) / n,

the ridge being RELATIVE to the mean diagonal kbar (so one grid serves every kernel and depth).
With K = V diag(lambda) V^T (one ``eigh``) every ridge of a grid costs O(n^2 C + m n C):
``ridge_path``. ridge -> 0 is the minimum-norm interpolant (``ridge = 0``; eigenvalues below
``rcond * lambda_max`` are dropped).

Kernel GD (``kernel_gd_predictor``): GD with step eta on 1/2 sum_i ||f(x_i) - y_i||^2 from f = 0, in
the kernel's (linear) function space, after T steps:

    f_*(T) = K_* V diag((1 - (1 - eta lambda)^T) / lambda) V^T Y,

which tends to the ridge -> 0 regression as T -> infinity (for 0 < eta lambda_max < 2). This is
what an infinitely wide net trained for T steps predicts when it is CENTRED, f(w) - f(w0): the
comparison used by the stage (the un-centred net would add f0(x_*) - K_* K^-1 f0(X), a random
function that does not vanish with width; the stage trains on Y + f0(X) instead, the same
gradients, and subtracts f0 from the outputs).

Cross-validation (``cv_scores``): for each (fit, validate) split of the TRAINING rows the ridge path
is fitted on "fit" and scored on "validate"; the ridge with the best mean score wins (ties: the
larger ridge). Scores (``score``): accuracy of argmax for one-hot targets (classification), R^2
for one regression output. ``relative_gap(a, b)`` = ||a - b||_F / ||b||_F.

Shapes: K (n, n), K_* (m, n), Y (n, C) (C = 1 for regression); predictions (R, m, C) for R ridges.
Cost: one O(n^3) ``eigh`` per kernel and fold; float64 numpy throughout.
"""

from __future__ import annotations

import numpy as np


def _eigh(K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    K = np.asarray(K, dtype=np.float64)
    lam, vecs = np.linalg.eigh((K + K.T) / 2)
    return np.clip(lam, 0.0, None), vecs


def ridge_path(K: np.ndarray, K_star: np.ndarray, Y: np.ndarray, ridges, rcond: float = 1e-12) -> np.ndarray:
    """Predictions K_* (K + r kbar I)^-1 Y for every relative ridge r: (R, m, C). r = 0: minimum-norm
    interpolant (eigenvalues below rcond * lambda_max dropped)."""
    Y = np.asarray(Y, dtype=np.float64)
    Y2 = Y[:, None] if Y.ndim == 1 else Y
    lam, vecs = _eigh(K)
    kbar = float(np.trace(K)) / K.shape[0]
    proj = vecs.T @ Y2  # (n, C)
    left = np.asarray(K_star, dtype=np.float64) @ vecs  # (m, n)
    out = []
    for r in np.atleast_1d(np.asarray(ridges, dtype=np.float64)):
        if r > 0:
            inv = 1.0 / (lam + r * kbar)
        else:
            keep = lam > rcond * lam.max()
            inv = np.where(keep, 1.0 / np.where(keep, lam, 1.0), 0.0)
        out.append(left @ (inv[:, None] * proj))
    return np.stack(out)


def kernel_gd_predictor(K: np.ndarray, K_star: np.ndarray, Y: np.ndarray, eta: float, steps) -> np.ndarray:
    """Kernel GD from f = 0 with step eta for T steps (T may be ``np.inf``: the ridge -> 0 limit):
    predictions (len(steps), m, C)."""
    Y = np.asarray(Y, dtype=np.float64)
    Y2 = Y[:, None] if Y.ndim == 1 else Y
    lam, vecs = _eigh(K)
    if eta * lam.max() >= 2:
        raise ValueError(f"eta * lambda_max = {eta * lam.max():.3g} >= 2: kernel GD diverges")
    proj = vecs.T @ Y2
    left = np.asarray(K_star, dtype=np.float64) @ vecs
    safe = np.where(lam > 0, lam, 1.0)
    out = []
    for T in np.atleast_1d(np.asarray(steps, dtype=np.float64)):
        if np.isinf(T):
            filt = np.where(lam > 1e-12 * lam.max(), 1.0 / safe, 0.0)
        else:
            filt = np.where(lam > 0, (1.0 - np.power(1.0 - eta * lam, T)) / safe, eta * T)
        out.append(left @ (filt[:, None] * proj))
    return np.stack(out)


def score(pred: np.ndarray, y_true: np.ndarray, task: str) -> float:
    """Accuracy (classification: argmax of pred (m, C) vs integer labels y_true (m,)) or R^2
    (regression: pred (m, 1) or (m,) vs y_true (m,) on the same scale)."""
    pred = np.asarray(pred, dtype=np.float64)
    y_true = np.asarray(y_true)
    if task == "classification":
        return float(np.mean(np.argmax(pred, axis=-1) == y_true))
    if task == "regression":
        p = pred.reshape(len(y_true))
        y = y_true.astype(np.float64)
        return float(1.0 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))
    raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")


def cv_scores(K: np.ndarray, Y: np.ndarray, y: np.ndarray, folds, ridges, task: str) -> np.ndarray:
    """Validation scores (R, F) of every relative ridge on every (fit, validate) fold of the
    training rows. K (n, n) the kernel on the training rows, Y (n, C) targets, y (n,) labels or
    values on the targets' scale."""
    K = np.asarray(K, dtype=np.float64)
    out = np.empty((len(np.atleast_1d(ridges)), len(folds)))
    for f, (fit, val) in enumerate(folds):
        preds = ridge_path(K[np.ix_(fit, fit)], K[np.ix_(val, fit)], np.asarray(Y)[fit], ridges)
        for r, p in enumerate(preds):
            out[r, f] = score(p, np.asarray(y)[val], task)
    return out


def select_ridge(scores: np.ndarray, ridges) -> int:
    """Index of the ridge with the best mean CV score (ties: the largest ridge)."""
    mean = np.nanmean(scores, axis=1)
    best = np.flatnonzero(mean >= np.nanmax(mean) - 1e-12)
    ridges = np.asarray(ridges, dtype=np.float64)
    return int(best[np.argmax(ridges[best])])


def relative_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """||a - b||_F / ||b||_F over the last two axes (a (..., m, C), b (m, C))."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.linalg.norm(a - b, axis=(-2, -1)) / np.linalg.norm(b)
