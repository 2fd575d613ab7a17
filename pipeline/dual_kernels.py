"""Infinite-width dual kernels of any registered activation: closed forms and Gauss-Hermite quadrature.

For a 2x2 covariance [[q1, q12], [q12, q2]] of a centred Gaussian pair (u, v) the two dual kernels are

    k(q1, q2, q12)    = E[phi(u) phi(v)]        (the NNGP step, Jacot et al. 2018; Lee et al. 2019)
    kdot(q1, q2, q12) = E[phi'(u) phi'(v)]      (the NTK step)

``dual(act, q1, q2, q12)`` returns both (float64 numpy, broadcast shapes), by the closed form when
``act.closed_form`` (``method="auto"``) and otherwise by ``quadrature``.

Closed forms (t = arccos c, c = q12 / sqrt(q1 q2)):

- relu (arc-cosine kernels, Cho & Saul 2009): k = sqrt(q1 q2) (sin t + (pi - t) c) / (2 pi),
  kdot = (pi - t) / (2 pi) (numpy here; ``ntk_analytic`` has its own jnp copy, so the depth stage's
  ``depth_ntk_recursion`` identity compares two implementations; no import between the two).
- leaky_relu with slope a, phi(x) = relu(x) - a relu(-x): k = (1 + a^2) J(q12) - 2 a J(-q12) with
  J the ReLU k above, kdot = a^2 + a (1 - a) + (1 - a)^2 (pi - t) / (2 pi); abs is a = -1
  (kdot = 1 - 2 t / pi).
- erf (Williams 1997): k = (2/pi) arcsin(2 q12 / sqrt((1 + 2 q1)(1 + 2 q2))),
  kdot = (4/pi) / sqrt((1 + 2 q1)(1 + 2 q2) - 4 q12^2).
- sin: k = exp(-(q1 + q2) / 2) sinh(q12), kdot = exp(-(q1 + q2) / 2) cosh(q12)
  (E[cos(u -+ v)] = exp(-(q1 + q2 -+ 2 q12) / 2)).
- identity: k = q12, kdot = 1.

Quadrature (``quadrature``, as neural-tangents' ``stax.ElementwiseNumerical``): with z1, z2 iid
N(0, 1), u = sqrt(q1) z1, v = sqrt(q2) (c z1 + sqrt(1 - c^2) z2), and the product of two order-n
probabilists' Gauss-Hermite rules (``numpy.polynomial.hermite_e.hermegauss``, weights / sqrt(2 pi)):
n^2 evaluations of phi per covariance. One-dimensional Gaussian means E[f(sqrt(q) z)] (the length
map, chi_1) use the order-n rule alone (``gauss_mean``).

Accuracy (the measured convergence study, ``convergence_study``; reproduced by every run of the
depth stage's rule ``depth_theory``, table results/tables/depth_quadrature.csv and figure
depth/quadrature.png): the maximum relative error of k and kdot (relative to max(|ref|, 1e-3 max
|ref|)) against the closed form where there is one and against order 600 otherwise, over q1, q2 in
{0.05, 0.3, 1, 1.43} (1.43: the largest q* of the depth stage's default) and c in {-0.99, -0.5, 0,
0.447, 0.9, 0.99, 0.999}, float64:

    order         8      16      32      64      96     128     192     256
    erf        2e-01   1e-02   1e-04   7e-09   5e-13   1e-14     -       -
    sin        6e-04   3e-11   7e-15     -       -       -       -       -
    tanh       1e-01   2e-02   8e-04   5e-06   8e-08   2e-09   5e-12   3e-14
    sigmoid    3e-03   3e-05   2e-08   3e-13   1e-14     -       -       -
    gelu       4e-01   7e-03   2e-06   2e-13   1e-13     -       -       -
    silu       1e-02   9e-05   5e-08   7e-13   3e-14     -       -       -
    softplus   3e-04   1e-06   3e-10   2e-14     -       -       -       -
    relu       1e+00   9e-01   6e-01   6e-01   4e-01   3e-01   3e-01   2e-01  (kinked: algebraic)
    leaky_relu, abs: 3e-02 at order 256 (kinked)

Larger variances need more nodes (the integrand phi(sqrt(q) z) varies on the scale 1 / sqrt(q); for
tanh its poles at z = +-i pi / (2 sqrt(q)) set the geometric rate): at q up to 3 order 256 gives
tanh 3e-9 and every other smooth activation <= 1e-12; at q = 4 tanh reaches 8e-8.
``DEFAULT_ORDER`` = 256 therefore gives relative 1e-8 or better for every smooth registered
activation for variances up to 3 (the depth stage's inputs: q* <= 1.43 at the default, error
<= 4e-14); the kinked relu family always uses its closed forms (``dual``, ``method="auto"``).
``quadrature`` evaluates blocks of covariances (``block``) to bound the (block, n, n)
temporaries. Cost: n^2 = 65536 evaluations of phi and of phi' per covariance at the default order.
"""

from __future__ import annotations

import functools

import numpy as np

from .activations import Activation

DEFAULT_ORDER = 256
REFERENCE_ORDER = 600
STUDY_ORDERS = (16, 32, 64, 96, 128, 192, 256)


@functools.lru_cache(maxsize=32)
def gauss_hermite(order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the order-n rule for E[f(z)], z ~ N(0, 1) (weights sum to 1)."""
    from scipy.special import roots_hermitenorm  # = hermegauss, stable beyond order ~150

    z, w = roots_hermitenorm(int(order))
    return z, w / w.sum()


def gauss_mean(f, q, order: int = DEFAULT_ORDER) -> np.ndarray:
    """E[f(sqrt(q) z)] for z ~ N(0, 1), elementwise over q (any shape)."""
    z, w = gauss_hermite(order)
    q = np.asarray(q, dtype=float)
    return f(np.sqrt(q)[..., None] * z) @ w


def _broadcast(q1, q2, q12):
    q1, q2, q12 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (q1, q2, q12)))
    return q1, q2, q12


def _correlation(q1, q2, q12):
    norm = np.sqrt(q1 * q2)
    return np.clip(np.where(norm > 0, q12 / np.where(norm > 0, norm, 1.0), 0.0), -1.0, 1.0)


def quadrature(act: Activation, q1, q2, q12, order: int = DEFAULT_ORDER, block: int = 64):
    """(k, kdot) by the product Gauss-Hermite rule of ``order`` (float64, broadcast shape)."""
    q1, q2, q12 = _broadcast(q1, q2, q12)
    shape = q1.shape
    a, b, c = (np.sqrt(q1).ravel(), np.sqrt(q2).ravel(), _correlation(q1, q2, q12).ravel())
    z, w = gauss_hermite(order)
    w2 = np.outer(w, w)
    z1, z2 = z[:, None], z[None, :]
    k = np.empty(a.size)
    kd = np.empty(a.size)
    for s in range(0, a.size, block):
        sl = slice(s, s + block)
        cc = c[sl, None, None]
        u = a[sl, None, None] * z1
        v = b[sl, None, None] * (cc * z1 + np.sqrt(np.clip(1.0 - cc * cc, 0.0, None)) * z2)
        k[sl] = np.einsum("bij,ij->b", act.np_phi(u) * act.np_phi(v), w2)
        kd[sl] = np.einsum("bij,ij->b", act.np_dphi(u) * act.np_dphi(v), w2)
    return k.reshape(shape), kd.reshape(shape)


def _relu_pair(q1, q2, q12):
    """ReLU (k, kdot) elementwise (float64 numpy; the arc-cosine kernels)."""
    norm = np.sqrt(q1 * q2)
    t = np.arccos(_correlation(q1, q2, q12))
    return norm * (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi), (np.pi - t) / (2 * np.pi)


def _erf_pair(q1, q2, q12):
    """erf (k, kdot) elementwise (float64 numpy; Williams 1997)."""
    d = (1 + 2 * q1) * (1 + 2 * q2)
    return (2 / np.pi) * np.arcsin(np.clip(2 * q12 / np.sqrt(d), -1.0, 1.0)), (4 / np.pi) / np.sqrt(
        d - 4 * q12**2
    )


def closed_form(act: Activation, q1, q2, q12):
    """(k, kdot) by the closed form of ``act`` (``act.closed_form`` must be True)."""
    q1, q2, q12 = _broadcast(q1, q2, q12)
    shape = q1.shape
    a, b, s = q1.ravel(), q2.ravel(), q12.ravel()
    name = act.name
    if name == "relu":
        k, kd = _relu_pair(a, b, s)
    elif name in ("leaky_relu", "abs"):
        slope = -1.0 if name == "abs" else act.slope
        jp, dp = _relu_pair(a, b, s)
        jm, _ = _relu_pair(a, b, -s)
        k = (1 + slope**2) * jp - 2 * slope * jm
        kd = slope**2 + slope * (1 - slope) + (1 - slope) ** 2 * dp
    elif name == "erf":
        k, kd = _erf_pair(a, b, s)
    elif name == "sin":
        e = np.exp(-(a + b) / 2)
        k, kd = e * np.sinh(s), e * np.cosh(s)
    elif name == "identity":
        k, kd = s.copy(), np.ones_like(s)
    else:
        raise ValueError(f"no closed form for {name!r}; use quadrature")
    return np.asarray(k).reshape(shape), np.asarray(kd).reshape(shape)


def dual(act: Activation, q1, q2, q12, order: int = DEFAULT_ORDER, method: str = "auto"):
    """(k, kdot): the closed form when there is one (``method`` auto | closed | quadrature)."""
    if method == "closed" or (method == "auto" and act.closed_form):
        return closed_form(act, q1, q2, q12)
    return quadrature(act, q1, q2, q12, order)


def study_grid(qs=(0.05, 0.3, 1.0, 4.0), cs=(-0.99, -0.5, 0.0, 0.447, 0.9, 0.99, 0.999)):
    """The covariances of the convergence study: every (q1, q2, c) of the grid, as (q1, q2, q12)."""
    q1, q2, c = (a.ravel() for a in np.meshgrid(qs, qs, cs, indexing="ij"))
    return q1, q2, c * np.sqrt(q1 * q2)


def convergence_study(
    act: Activation, orders=STUDY_ORDERS, reference_order: int = REFERENCE_ORDER, grid=None
):
    """Max relative error of k and kdot of the order-n rule for every n of ``orders`` against the
    reference (the closed form when there is one, else order ``reference_order``), over ``grid``
    (``study_grid``). Relative to max(|reference|, 1e-3 * max |reference|) so that zeros of k (c = 0
    for odd phi) do not divide by zero. Returns {"orders", "err_k", "err_kdot"} (float arrays)."""
    q1, q2, q12 = study_grid() if grid is None else grid
    ref = closed_form(act, q1, q2, q12) if act.closed_form else quadrature(act, q1, q2, q12, reference_order)
    errs = np.zeros((2, len(orders)))
    for j, n in enumerate(orders):
        got = quadrature(act, q1, q2, q12, n)
        for i in range(2):
            scale = np.maximum(np.abs(ref[i]), 1e-3 * np.abs(ref[i]).max())
            errs[i, j] = float(np.max(np.abs(got[i] - ref[i]) / scale))
    return {"orders": np.asarray(orders), "err_k": errs[0], "err_kdot": errs[1]}


def order_for(act: Activation, rtol: float = 1e-8, orders=STUDY_ORDERS, study=None) -> int | None:
    """The smallest order of the study whose error (k and kdot) is below ``rtol`` (None if none)."""
    s = convergence_study(act, orders) if study is None else study
    ok = np.maximum(s["err_k"], s["err_kdot"]) <= rtol
    return int(np.asarray(s["orders"])[ok][0]) if ok.any() else None
