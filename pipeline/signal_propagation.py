"""Signal propagation in wide random nets: the length and correlation maps, their fixed points, depth
scales, the edge of chaos and the large-depth NTK (Poole et al. 2016; Schoenholz et al. 2017; Xiao,
Pennington & Schoenholz 2020).

Parameterisation: a fully connected net with pre-activations h^(l+1) = W^(l+1) phi(h^l) + b^(l+1),
W_ij ~ N(0, sw2 / n_l) (sw2 = sigma_w^2 over the fan-in), b_i ~ N(0, sb2) (sb2 = sigma_b^2), phi
from ``activations``. (The NTK parameterisation of ``models`` has the same forward law at init and
the same NTK with these sw2, sb2: W_std^2 = sw2, b_std^2 = sb2.) At infinite width the
pre-activations of two inputs are a centred Gaussian pair with covariance [[q1, q12], [q12, q2]]:

- length map (``length_map``): q^(l+1) = sw2 E[phi(sqrt(q^l) z)^2] + sb2; fixed point ``q_star``;
  its slope chi_q = sw2 / (2 q) E[(z^2 - 1) phi(sqrt(q) z)^2] (the Gaussian identity
  d/dq E[g(sqrt(q) z)] = E[(z^2 - 1) g(sqrt(q) z)] / (2 q), no phi'' needed); depth scale of the
  length xi_q = -1 / ln chi_q at q*.
- correlation map (``correlation_map``) at q*: c^(l+1) = (sw2 E[phi(u) phi(v)] + sb2) / q*, (u, v)
  at variance q* and correlation c^l; fixed point ``c_star`` (c* = 1 in the ordered phase, the
  stable c* < 1 in the chaotic phase).
- chi_1 = sw2 E[phi'(sqrt(q*) z)^2] (``chi_1``): the per-layer factor of the squared gradient norm
  and the slope of the correlation map at c = 1; the edge of chaos is chi_1 = 1 (``edge_of_chaos``:
  the sw2 where it holds at fixed sb2, by ``scipy.optimize.brentq``). Ordered: chi_1 < 1, chaotic:
  chi_1 > 1.
- chi_c* = sw2 E[phi'(u) phi'(v)] at c* (``chi_c``; = chi_1 when c* = 1); depth scale of
  correlations xi_c = -1 / ln chi_c* (diverges at the edge of chaos).
- large-depth NTK (Xiao et al. 2020; ``ntk_recursion``): Theta^1 = Sigma^1, Theta^(l+1) =
  Sigma^(l+1) + sw2 E[phi'(u) phi'(v)] Theta^l. With both inputs at q* and correlation c*, the
  ordered phase's entries all tend to p* = q* / (1 - chi_1) (``p_star``), and in the chaotic phase
  the diagonal grows like chi_1^l while the off-diagonal tends to q* c* / (1 - chi_c*)
  (``offdiag_limit``).

Everything is float64 numpy; the dual kernels are ``dual_kernels.dual`` (closed form or the order
``dual_kernels.DEFAULT_ORDER`` Gauss-Hermite rule) and the one-dimensional means
``dual_kernels.gauss_mean``. Cost: a length-map evaluation is one 1-D rule (order n), a
correlation-map evaluation one 2-D rule (n^2 evaluations of phi); fixed points take ~10-40 map
evaluations (brentq).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from .activations import Activation
from .dual_kernels import DEFAULT_ORDER, dual, gauss_mean

Q_MAX = 1e6  # no fixed point of the length map below this: unbounded growth (e.g. relu, sw2 > 2)


def length_map(act: Activation, q, sw2: float, sb2: float, order: int = DEFAULT_ORDER):
    """q -> sw2 E[phi(sqrt(q) z)^2] + sb2 (elementwise)."""
    return sw2 * gauss_mean(lambda u: act.np_phi(u) ** 2, q, order) + sb2


def q_star(act: Activation, sw2: float, sb2: float, order: int = DEFAULT_ORDER) -> float:
    """Fixed point of the length map (0 when q = 0 is the only stable one, e.g. tanh, sb2 = 0, sw2 <= 1)."""

    def f(q):
        return float(length_map(act, q, sw2, sb2, order)) - q

    lo = 1e-12
    if f(lo) <= 0:
        return 0.0
    hi = 1.0
    while f(hi) > 0:
        hi *= 4
        if hi > Q_MAX:
            raise ValueError(f"{act.label()}: no fixed point of the length map at sw2={sw2}, sb2={sb2}")
    return float(brentq(f, lo, hi, xtol=1e-15, rtol=1e-14, maxiter=200))


def has_fixed_point(act: Activation, sw2: float, sb2: float, order: int = DEFAULT_ORDER) -> bool:
    """Whether the length map has a fixed point below Q_MAX at (sw2, sb2): False where q^l grows
    without bound (relu, gelu, silu, softplus for sw2 >= ~2; identity and abs for sw2 >= 1). The set
    of such sw2 is an interval [s0, inf) at fixed sb2 (the length map increases with sw2)."""
    try:
        q_star(act, sw2, sb2, order)
    except ValueError:
        return False
    return True


def bounded_limit(act: Activation, sb2: float, lo: float, hi: float, order: int = DEFAULT_ORDER) -> float:
    """The largest sw2 in [lo, hi] with a fixed point of the length map (hi if hi has one; bisection
    to 1e-6 otherwise; nan if lo has none)."""
    if has_fixed_point(act, hi, sb2, order):
        return float(hi)
    if not has_fixed_point(act, lo, sb2, order):
        return math.nan
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if has_fixed_point(act, mid, sb2, order) else (lo, mid)
    return float(lo)


def chi_1(act: Activation, sw2: float, q: float, order: int = DEFAULT_ORDER) -> float:
    """sw2 E[phi'(sqrt(q) z)^2]."""
    return float(sw2 * gauss_mean(lambda u: act.np_dphi(u) ** 2, q, order))


def chi_q(act: Activation, sw2: float, q: float, order: int = DEFAULT_ORDER) -> float:
    """Slope of the length map at q: sw2 / (2 q) E[(z^2 - 1) phi(sqrt(q) z)^2]."""
    from .dual_kernels import gauss_hermite

    z, w = gauss_hermite(order)
    return float(sw2 / (2 * q) * (((z * z - 1) * act.np_phi(math.sqrt(q) * z) ** 2) @ w))


def correlation_map(act: Activation, c, q: float, sw2: float, sb2: float, order: int = DEFAULT_ORDER):
    """c -> (sw2 E[phi(u) phi(v)] + sb2) / q at variance q, correlation c (elementwise over c)."""
    c = np.asarray(c, dtype=float)
    k, _ = dual(act, q, q, c * q, order)
    return (sw2 * k + sb2) / q


def chi_c(act: Activation, c, q: float, sw2: float, order: int = DEFAULT_ORDER):
    """sw2 E[phi'(u) phi'(v)] at variance q, correlation c (the slope of the correlation map)."""
    c = np.asarray(c, dtype=float)
    _, kd = dual(act, q, q, c * q, order)
    return sw2 * kd


def c_star(
    act: Activation, sw2: float, sb2: float, q: float | None = None, order: int = DEFAULT_ORDER
) -> float:
    """Stable fixed point of the correlation map at q* (1 in the ordered phase, chi_1 <= 1)."""
    q = q_star(act, sw2, sb2, order) if q is None else q
    if q == 0 or chi_1(act, sw2, q, order) <= 1:
        return 1.0

    def g(c):
        return float(correlation_map(act, c, q, sw2, sb2, order)) - c

    hi = 1 - 1e-9
    if g(hi) >= 0:
        return 1.0
    return float(brentq(g, -1.0, hi, xtol=1e-14, rtol=1e-13, maxiter=200))


def depth_scale(chi: float) -> float:
    """xi = -1 / ln chi (inf at chi = 1; defined for 0 < chi)."""
    if chi <= 0:
        return 0.0
    return math.inf if chi == 1 else -1.0 / math.log(chi)


def theory(act: Activation, sw2: float, sb2: float, order: int = DEFAULT_ORDER) -> dict:
    """Every fixed-point quantity at (sw2, sb2): q*, c*, chi_1, chi_c*, chi_q, xi_q, xi_c, p*, the
    off-diagonal NTK limit (``nan`` where the phase has none) and the phase (ordered | chaotic)."""
    q = q_star(act, sw2, sb2, order)
    c1 = chi_1(act, sw2, q, order) if q > 0 else float(sw2 * act.np_dphi(np.zeros(1))[0] ** 2)
    cs = c_star(act, sw2, sb2, q, order)
    cc = c1 if cs == 1.0 else float(chi_c(act, cs, q, sw2, order))
    cq = chi_q(act, sw2, q, order) if q > 0 else math.nan
    ordered = c1 < 1
    return {
        "sigma_w2": float(sw2),
        "sigma_b2": float(sb2),
        "q_star": q,
        "c_star": cs,
        "chi_1": c1,
        "chi_c": cc,
        "chi_q": cq,
        "xi_q": depth_scale(abs(cq)) if math.isfinite(cq) else math.nan,
        "xi_c": depth_scale(cc),
        "phase": "ordered" if ordered else "chaotic",
        "p_star": q / (1 - c1) if ordered else math.nan,
        "offdiag_limit": q * cs / (1 - cc) if (not ordered and cc < 1) else math.nan,
    }


def edge_of_chaos(act: Activation, sb2: float, lo: float, hi: float, order: int = DEFAULT_ORDER) -> float:
    """The sw2 in [lo, hi] with chi_1(q*(sw2)) = 1 at this sb2 (brentq; nan without a sign change);
    hi is lowered to ``bounded_limit`` where the length map has no fixed point (no edge beyond it)."""
    hi = bounded_limit(act, sb2, lo, hi, order)
    if not math.isfinite(hi) or hi <= lo:
        return math.nan

    def f(sw2):
        q = q_star(act, sw2, sb2, order)
        return (chi_1(act, sw2, q, order) if q > 0 else sw2 * float(act.np_dphi(np.zeros(1))[0] ** 2)) - 1

    a, b = f(lo), f(hi)
    if a * b > 0:
        return math.nan
    return float(brentq(f, lo, hi, xtol=1e-10, rtol=1e-12, maxiter=500))


def ntk_recursion(
    act: Activation, sw2: float, sb2: float, sigma1: np.ndarray, depth: int, order: int = DEFAULT_ORDER
):
    """The infinite-width NNGP and NTK of a depth-``depth`` net (hidden layers) whose first-layer
    covariance is the 2x2 ``sigma1`` = Sigma^1 (= sw2 x.x' / d + sb2): arrays (depth + 1, 2, 2) of
    Sigma^l and Theta^l for l = 1 .. depth + 1 (index l - 1; the last is the read-out, the net's
    output kernel). Theta^1 = Sigma^1, Theta^(l+1) = Sigma^(l+1) + sw2 E[phi' phi'] Theta^l."""
    s = np.array(sigma1, dtype=float)
    sig, th = [s.copy()], [s.copy()]
    for _ in range(depth):
        q1, q2, q12 = s[0, 0], s[1, 1], s[0, 1]
        k, kd = dual(act, np.array([q1, q1, q2]), np.array([q1, q2, q2]), np.array([q1, q12, q2]), order)
        # entries (0,0), (0,1), (1,1): covariances [[q1, q1]], [[q1, q12], [., q2]], [[q2, q2]]
        s = sw2 * np.array([[k[0], k[1]], [k[1], k[2]]]) + sb2
        dot = sw2 * np.array([[kd[0], kd[1]], [kd[1], kd[2]]])
        sig.append(s.copy())
        th.append(s + dot * th[-1])
    return np.array(sig), np.array(th)


def sigma1_at(q: float, c: float) -> np.ndarray:
    """The 2x2 covariance of two inputs at variance q and correlation c."""
    return np.array([[q, c * q], [c * q, q]])
