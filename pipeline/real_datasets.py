"""Small real data sets bundled with scikit-learn (no download): split, standardised, kernel inputs.

Sets (``SETS``): digits (1797 x 64, the 8x8 images, 10 classes), breast_cancer (569 x 30, 2
classes), wine (178 x 13, 3 classes), iris (150 x 4, 3 classes) and diabetes (442 x 10,
regression).

Split: one seeded train/test split per set (``split``: scikit-learn's ``train_test_split`` with
``random_state = seed``, stratified by class for the classification sets), ``test_fraction`` of the
rows in the test set. Every later subsample (``subsample``) and cross-validation fold (``cv_folds``)
is drawn from the TRAINING rows only; no test row is ever seen before the final evaluation.

Features (``standardise``; what every method sees first): every feature standardised with the
TRAINING split's mean and standard deviation (a constant feature, std 0, becomes 0: e.g. the
always-blank corner pixels of digits). The baselines (RBF kernel ridge, random forests) use these
standardised features z as a practitioner would; the written ``x_train`` / ``x_test`` are z.

Kernel inputs (``kernel_inputs(z, convention)``, ``INPUT_CONVENTIONS``; the NTK / NNGP and the nets):

- ``standardised``: z itself. The rows keep their norms (E ||z||^2 = d_in on the training rows). A
  bias-free ReLU kernel is homogeneous, K(c x, x') = c K(x, x'); with the bias beta the norm enters
  through the ratio ||x||^2 / d_in : beta^2. Either way the row norm, which carries class information
  (iris: the petal sizes), is kept.
- ``augmented_sphere``: [z, 1] (a constant coordinate, one standard deviation) projected onto the
  sphere of radius sqrt(d_in + 1): every input has the same norm, as Jacot et al.'s theory assumes,
  and the norm of z survives as the angle to the constant axis.
- ``sphere``: z projected onto the sphere of radius sqrt(d_in) (the stage's former convention): the
  row norm is thrown away.

With the NTK parameterisation's first layer x / sqrt(d_in) the two sphere conventions give every
input the first-layer variance 1 + beta^2. None of the three uses statistics beyond step 1's, so
none leaks from test to train.

Targets: classification sets have integer labels ``y`` and one-hot MSE targets ``t`` (n, C) in
{0, 1} (prediction = argmax); diabetes has ``y`` = the disease progression and ``t`` (n, 1) = y
standardised with the training mean and std (R^2 is the same on either scale).

Arrays of a written set (``make_dataset``, float64): x_train (n, d), x_test (m, d) (standardised),
y_train (n,), y_test (m,), t_train (n, C), t_test (m, C), idx_train (n,), idx_test (m,) (rows of the raw
scikit-learn array), feature_mean / feature_std (d,) of step 1, target_mean / target_std, n_classes
(0 for regression), task ("classification" | "regression").
"""

from __future__ import annotations

import numpy as np

SETS = ("digits", "breast_cancer", "wine", "iris", "diabetes")
REGRESSION = ("diabetes",)
NORMALISATION = "features standardised with the training split's mean and std (constant features -> 0)"
INPUT_CONVENTIONS = ("standardised", "augmented_sphere", "sphere")
INPUT_TEXT = {
    "standardised": "standardised features, row norms kept",
    "augmented_sphere": "[z, 1] projected onto the sphere of radius sqrt(d_in + 1)",
    "sphere": "standardised rows projected onto the sphere of radius sqrt(d_in) (norm discarded)",
}


def task(name: str) -> str:
    return "regression" if name in REGRESSION else "classification"


def load_raw(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The bundled set ``name``: features (n, d) float64 and labels (n,) int / targets (n,) float64."""
    from sklearn import datasets

    loaders = {
        "digits": datasets.load_digits,
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "iris": datasets.load_iris,
        "diabetes": datasets.load_diabetes,
    }
    if name not in loaders:
        raise ValueError(f"unknown real data set {name!r}; allowed: {list(SETS)}")
    x, y = loaders[name](return_X_y=True)
    y = np.asarray(y, dtype=np.float64) if name in REGRESSION else np.asarray(y, dtype=np.int64)
    return np.asarray(x, dtype=np.float64), y


def split(y: np.ndarray, test_fraction: float, seed: int, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/test split of n = len(y) rows: sorted index arrays (train, test), disjoint,
    covering 0..n-1."""
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    idx = np.arange(len(y))
    tr, te = train_test_split(
        idx, test_size=test_fraction, random_state=seed, stratify=y if stratify else None
    )
    return np.sort(tr), np.sort(te)


def standardise(x_train: np.ndarray, x_test: np.ndarray):
    """Standardise both splits with the training statistics (constant features -> 0).

    Returns (z_train, z_test, mean, std)."""
    mean = x_train.mean(0)
    std = x_train.std(0)
    std = np.where(std > 1e-12 * max(1.0, float(np.abs(x_train).max())), std, np.inf)  # constant -> 0
    return (x_train - mean) / std, (x_test - mean) / std, mean, np.where(np.isfinite(std), std, 0.0)


def to_sphere(x: np.ndarray) -> np.ndarray:
    """Every row scaled to Euclidean norm sqrt(d) (a zero row stays zero)."""
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return np.sqrt(x.shape[1]) * x / np.where(norm > 0, norm, 1.0)


def kernel_inputs(z: np.ndarray, convention: str) -> np.ndarray:
    """The kernel / net inputs of standardised rows z (n, d) under ``convention`` (module docstring):
    (n, d), or (n, d + 1) for ``augmented_sphere``."""
    z = np.asarray(z, dtype=np.float64)
    if convention == "standardised":
        return z
    if convention == "augmented_sphere":
        return to_sphere(np.concatenate([z, np.ones((len(z), 1))], axis=1))
    if convention == "sphere":
        return to_sphere(z)
    raise ValueError(f"unknown input convention {convention!r}; allowed: {list(INPUT_CONVENTIONS)}")


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes)[np.asarray(y, dtype=int)]


def make_dataset(name: str, test_fraction: float = 0.25, seed: int = 0) -> dict[str, np.ndarray]:
    """Load, split and standardise ``name``; the arrays listed in the module docstring."""
    x, y = load_raw(name)
    kind = task(name)
    tr, te = split(y, test_fraction, seed, stratify=kind == "classification")
    x_train, x_test, mean, std = standardise(x[tr], x[te])
    if kind == "classification":
        n_classes = int(y.max()) + 1
        t_train, t_test = one_hot(y[tr], n_classes), one_hot(y[te], n_classes)
        t_mean, t_std = 0.0, 1.0
    else:
        n_classes = 0
        t_mean, t_std = float(y[tr].mean()), float(y[tr].std())
        t_train, t_test = ((y[tr] - t_mean) / t_std)[:, None], ((y[te] - t_mean) / t_std)[:, None]
    return {
        "x_train": x_train,
        "x_test": x_test,
        "y_train": y[tr],
        "y_test": y[te],
        "t_train": t_train,
        "t_test": t_test,
        "idx_train": tr,
        "idx_test": te,
        "feature_mean": mean,
        "feature_std": std,
        "target_mean": np.float64(t_mean),
        "target_std": np.float64(t_std),
        "n_classes": np.int64(n_classes),
        "task": np.array(kind),
    }


def subsample(y_train: np.ndarray, max_n: int | None, seed: int, stratify: bool) -> np.ndarray:
    """Sorted positions (into the training split) of a seeded subsample of at most ``max_n`` rows
    (all rows when ``max_n`` is None or >= n); stratified by class when ``stratify``."""
    from sklearn.model_selection import train_test_split

    n = len(y_train)
    if max_n is None or max_n >= n:
        return np.arange(n)
    strat = y_train if stratify and np.unique(y_train).size <= max_n else None
    keep, _ = train_test_split(np.arange(n), train_size=max_n, random_state=seed, stratify=strat)
    return np.sort(keep)


def cv_folds(
    y_train: np.ndarray, n_folds: int, seed: int, stratify: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` (fit, validate) position pairs over the TRAINING rows only (seeded, shuffled;
    stratified when ``stratify`` and every class has >= n_folds rows)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    n = len(y_train)
    if stratify and np.bincount(np.asarray(y_train, int)).min(initial=n) >= n_folds:
        kf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return [(a, b) for a, b in kf.split(np.zeros(n), y_train)]
    kf = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(a, b) for a, b in kf.split(np.zeros(n))]
