"""Stage depth, rule ``depth_theory`` (numpy float64, no nets): the quadrature convergence study,
the wide-kernel Monte Carlo, the fixed-point theory on the sw2 grid and the phase diagram, the
infinite-width trajectories of the finite nets' inputs and the NTK-recursion identity; plus the small
helpers the other depth modules share (activation, sw2 grid, pair inputs, the xi_c estimator, the
NTK read-out depths). See ``pipeline.stages.depth`` for the stage overview and outputs.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np

from .. import activations, dual_kernels
from .. import signal_propagation as sp

STAGE = "depth"
NETS_SALT = 23  # the wide-kernel Monte Carlo (here) and the finite nets (depth_nets)
CLOSED_SMOOTH = ("erf", "sin", "identity")
QUAD_ONLY = ("tanh", "sigmoid", "gelu", "silu", "softplus")
WIDE_COVARIANCES = ((0.5, 1.5, 0.6), (1.0, 1.0, -0.4))  # (q1, q2, c) of the wide-kernel check
RECURSION_TOL = 1e-10
RECURSION_ACTS = ("relu", "erf", "tanh", "gelu")  # closed forms, and quadrature in numpy vs jnp


def activation_of(section: dict) -> activations.Activation:
    return activations.get(section["activation"], section["slope"])


def sw2_grid(section: dict) -> np.ndarray:
    t = section["theory"]
    n = int(round((t["sigma_w2_max"] - t["sigma_w2_min"]) / t["sigma_w2_step"])) + 1
    return np.round(t["sigma_w2_min"] + t["sigma_w2_step"] * np.arange(n), 10)


def bounded_section(section: dict, logger=None) -> dict:
    """The section restricted to the sw2 values where the theory exists: the length map of a
    ReLU-like activation (relu, gelu, silu, softplus, leaky_relu) has no fixed point for sw2 >= ~2,
    of identity and abs for sw2 >= 1 (q^l grows without bound; ``signal_propagation.has_fixed_point``),
    so q*, chi_1, xi_c and the NTK limits are undefined there. The theory grid is cut at its last
    bounded point and the xi_c / NTK sw2 values past it are dropped (logged); a clear error naming
    the key when nothing is left."""
    act = activation_of(section)
    order = int(section["quadrature"]["order"])
    sb2 = float(section["sigma_b2"])
    grid = sw2_grid(section)
    ok = [sp.has_fixed_point(act, float(s), sb2, order) for s in grid]
    if all(ok):
        return section
    out = copy.deepcopy(section)
    label = f"{act.label()} at sigma_b2 {sb2:g}"
    if not any(ok):
        raise ValueError(
            f"depth.activation: {label} has no fixed point of the length map on the whole grid "
            f"depth.theory.sigma_w2 {grid[0]:g}..{grid[-1]:g} (q^l grows without bound): lower "
            "depth.theory.sigma_w2_min or choose a bounded activation (tanh, erf, sin, sigmoid)"
        )
    last = float(grid[np.flatnonzero(ok)[-1]])
    edge = sp.bounded_limit(act, sb2, last, float(grid[-1]), order)
    out["theory"]["sigma_w2_max"] = last
    dropped = {}
    for path, values in (
        (("propagation", "xi_sigma_w2"), section["propagation"]["xi_sigma_w2"]),
        (("ntk", "sigma_w2"), section["ntk"]["sigma_w2"]),
    ):
        good = [float(v) for v in values if sp.has_fixed_point(act, float(v), sb2, order)]
        if not good:
            raise ValueError(
                f"depth.{'.'.join(path)}: no value below {edge:.4g}, where {label} stops having a "
                f"fixed point of the length map (q^l grows without bound): choose values below {edge:.4g}"
            )
        out[path[0]][path[1]] = good
        gone = [float(v) for v in values if float(v) not in good]
        if gone:
            dropped[".".join(path)] = gone
    if logger:
        logger.warning(
            f"{label}: no fixed point of the length map for sw2 >= {edge:.4f} (q^l grows without bound): "
            f"theory grid cut at {last:g}; dropped {dropped}"
        )
    return out


# ------------------------------------------------------------------------------------- theory


def pair_inputs(c_plus: float, c_minus: float, pairs: int, shared: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unit inputs (2P, 3P) as columns and the initial correlations (2P,): for pair i (columns 3i,
    3i + 1, 3i + 2 on the plane of e_2i, e_2i+1, the planes of different i orthogonal) an anchor a_i =
    e_2i and two partners b_i+- at correlation c_plus / c_minus with it. ``shared``: both partners on
    the same side of a_i (chaotic phase: the two correlations see the same random net along nearly
    the same inputs, so their difference D^l, a finite difference of the correlation map, carries
    finite-width noise proportional to c_plus - c_minus: common random numbers); else on opposite
    sides (ordered phase: 2P distinct pairs)."""
    k = 3 * pairs
    x = np.zeros((2 * pairs, k))
    sign = 1.0 if shared else -1.0
    for i in range(pairs):
        x[2 * i, 3 * i] = 1.0
        for j, (c, sg) in enumerate(((c_plus, 1.0), (c_minus, sign))):
            x[2 * i, 3 * i + 1 + j] = c
            x[2 * i + 1, 3 * i + 1 + j] = sg * math.sqrt(max(1.0 - c * c, 0.0))
    return x, np.array([c_plus] * pairs + [c_minus] * pairs)


def pair_correlations(corr: np.ndarray, pairs: int) -> np.ndarray:
    """(..., 3P, 3P) correlations of ``pair_inputs``' columns -> (..., 2P): c(a_i, b_i+) for every i,
    then c(a_i, b_i-)."""
    a = np.arange(0, 3 * pairs, 3)
    return np.concatenate([corr[..., a, a + 1], corr[..., a, a + 2]], -1)


def xi_starts(th: dict, prop: dict) -> tuple[float, float]:
    """Initial correlations (c+, c-) of the xi_c pairs: c* +- delta (chaotic; delta at most half the
    distance to 1), 1 - delta twice (ordered)."""
    if th["c_star"] < 1:
        d = min(float(prop["delta_chaotic"]), (1 - th["c_star"]) / 2)
        return th["c_star"] + d, th["c_star"] - d
    d = float(prop["delta_ordered"])
    return 1 - d, 1 - d


def correlation_trajectory(
    act, c0: float, q: float, sw2: float, sb2: float, depth: int, order: int
) -> np.ndarray:
    """c^l, l = 1 .. depth of the infinite-width correlation map at q* from c^1 = c0."""
    out, c = [], float(c0)
    for _ in range(depth):
        out.append(c)
        c = float(sp.correlation_map(act, c, q, sw2, sb2, order))
    return np.array(out)


def xi_deviation(c_plus: np.ndarray, c_minus: np.ndarray, ordered: bool) -> np.ndarray:
    """D^l of the xi_c estimator from the mean correlations of the two groups (..., L)."""
    return 1.0 - 0.5 * (c_plus + c_minus) if ordered else c_plus - c_minus


XI_WINDOW = 2.0  # chaotic phase: fit |D^l| to at most this many xi_c (the theory's), then noise


def xi_fit_layers(prop: dict, xi_c: float, ordered: bool) -> tuple[int, int]:
    """Layers [l0, l1] of the xi_c fit: ``propagation.fit_layers``, in the chaotic phase cut at
    XI_WINDOW x the theory's xi_c (at least l0 + 2): D^l ~ delta exp(-l / xi_c) sinks into the
    finite-width noise, roughly constant in l, past ~2 xi_c at width 2000 (sin at sb2 0.2, xi_c 3.7:
    fit to layer 15 gives [-19%, +6%], to layer 7 [-1.3%, +1.2%]). The ordered phase's 1 - c^l and
    its noise shrink together: no cut. Decided on the theory, never on the data."""
    l0, l1 = (int(v) for v in prop["fit_layers"])
    if ordered or not math.isfinite(xi_c):
        return l0, l1
    return l0, max(l0 + 2, min(l1, int(math.ceil(XI_WINDOW * xi_c))))


def fit_xi(dev: np.ndarray, layers: tuple[int, int]) -> float:
    """xi = -1 / slope of ln |dev^l| against l over layers l0..l1 (1-based, inclusive)."""
    l = np.arange(1, dev.shape[-1] + 1)
    w = (l >= layers[0]) & (l <= layers[1]) & np.isfinite(dev) & (np.abs(dev) > 0)
    if w.sum() < 2:
        return math.nan
    slope = np.polyfit(l[w], np.log(np.abs(dev[w])), 1)[0]
    return -1.0 / slope if slope < 0 else math.inf


def quadrature_study(section: dict, q_max: float, logger=None) -> dict:
    """The convergence study of every registered activation on the grid up to ``q_max``."""
    qd = section["quadrature"]
    grid = dual_kernels.study_grid(qs=(0.05, 0.3, 1.0, max(float(q_max), 1.0)))
    orders = tuple(int(o) for o in qd["orders"])
    errs = np.zeros((len(activations.NAMES), 2, len(orders)))
    for i, name in enumerate(activations.NAMES):
        t0 = time.perf_counter()
        s = dual_kernels.convergence_study(
            activations.get(name, section["slope"]), orders, qd["reference_order"], grid
        )
        errs[i] = s["err_k"], s["err_kdot"]
        if logger:
            logger.info(
                f"quadrature {name}: max rel error at order {orders[-1]} "
                f"{errs[i, :, -1].max():.2e} ({time.perf_counter() - t0:.1f}s)"
            )
    return {"orders": np.array(orders), "quad_err": errs, "quad_q_max": float(grid[0].max())}


def wide_kernel(section: dict, seed: int) -> dict:
    """Empirical dual kernels of a width-n layer, per activation, covariance, kernel and seed:
    ``wide_emp`` (A, C, 2, S), the dual kernels ``wide_pred`` (A, C, 2) and their Cauchy-Schwarz
    scales ``wide_scale`` (A, C, 2) = sqrt(k(q1, q1, q1) k(q2, q2, q2)) (>= |k(q1, q2, q12)|)."""
    wk = section["wide_kernel"]
    n, s = int(wk["width"]), int(wk["seeds"])
    rng = np.random.default_rng([seed, NETS_SALT, 1])
    emp = np.zeros((len(activations.NAMES), len(WIDE_COVARIANCES), 2, s))
    pred = np.zeros((len(activations.NAMES), len(WIDE_COVARIANCES), 2))
    scale = np.zeros_like(pred)
    order = section["quadrature"]["order"]
    z = rng.standard_normal((len(WIDE_COVARIANCES), s, 2, n))
    for a, name in enumerate(activations.NAMES):
        act = activations.get(name, section["slope"])
        for j, (q1, q2, c) in enumerate(WIDE_COVARIANCES):
            u = math.sqrt(q1) * z[j, :, 0]
            v = math.sqrt(q2) * (c * z[j, :, 0] + math.sqrt(1 - c * c) * z[j, :, 1])
            emp[a, j, 0] = (act.np_phi(u) * act.np_phi(v)).mean(-1)
            emp[a, j, 1] = (act.np_dphi(u) * act.np_dphi(v)).mean(-1)
            k, kd = dual_kernels.dual(act, q1, q2, c * math.sqrt(q1 * q2), order)
            pred[a, j] = float(k), float(kd)
            d1, d2 = (dual_kernels.dual(act, q, q, q, order) for q in (q1, q2))
            scale[a, j] = math.sqrt(float(d1[0] * d2[0])), math.sqrt(float(d1[1] * d2[1]))
    return {"wide_emp": emp, "wide_pred": pred, "wide_scale": scale}


def recursion_identity(order: int, sw2_ref: float | None = None) -> dict:
    """max |ntk_recursion - ntk_analytic.limit_kernels| / max |limit| for nets of every activation of
    RECURSION_ACTS (depth 3, sw2 1.7, sb2 0.2): closed forms for relu and erf, for tanh and gelu the
    same order-``order`` rule in two implementations (numpy ``dual_kernels`` vs jnp
    ``ntk_analytic.dual_expectations``); ``sw2_ref``: the reference net's sw2 (a test's wrong
    alternative)."""
    import jax.numpy as jnp

    from ..models import MLPSpec
    from ..ntk_analytic import limit_kernels
    from ..precision import x64_context

    x = np.array([[1.0, 0.3, -0.5], [0.2, -0.8, 0.9]])
    sw2, sb2, depth = 1.7, 0.2, 3
    errs = {}
    for name in RECURSION_ACTS:
        w_ref = math.sqrt(sw2 if sw2_ref is None else sw2_ref)
        spec = MLPSpec(depth=depth, width=1, d_in=3, activation=name, w_std=w_ref, b_std=math.sqrt(sb2))
        with x64_context(True):
            ref = np.asarray(limit_kernels(spec, jnp.asarray(x), order=order)["ntk"])
        sigma1 = sw2 * x @ x.T / 3 + sb2
        _, th = sp.ntk_recursion(activations.get(name), sw2, sb2, sigma1, depth, order)
        errs[name] = float(np.abs(th[-1] - ref).max() / np.abs(ref).max())
    return errs


FP_KEYS = ("q_star", "c_star", "chi_1", "chi_c", "chi_q", "xi_q", "xi_c", "p_star", "offdiag_limit")


def fixed_points(section: dict) -> dict:
    """``signal_propagation.theory`` on the sw2 grid ("sw2", FP_KEYS), the xi_c sw2 values ("xi_sw2",
    "xi_<key>") and the NTK sw2 values ("ntk_sw2", "ntk_<key>"): what the finite nets need (~0.1 s)."""
    act = activation_of(section)
    order = int(section["quadrature"]["order"])
    sb2 = float(section["sigma_b2"])
    out = {}
    for prefix, values in (
        ("", sw2_grid(section)),
        ("xi_", section["propagation"]["xi_sigma_w2"]),
        ("ntk_", section["ntk"]["sigma_w2"]),
    ):
        rows = [sp.theory(act, float(s), sb2, order) for s in values]
        out[f"{prefix}sw2"] = np.array([float(s) for s in values])
        out.update({f"{prefix}{k}": np.array([r[k] for r in rows], dtype=float) for k in FP_KEYS})
    return out


def theory_run(section: dict, seed: int, logger=None) -> dict:
    """Everything ``depth_theory`` computes (see the module docstring) as a dict of arrays."""
    act = activation_of(section)
    order = int(section["quadrature"]["order"])
    sb2 = float(section["sigma_b2"])
    grid = sw2_grid(section)
    prop, ntk = section["propagation"], section["ntk"]
    t0 = time.perf_counter()
    fp = fixed_points(section)
    xi_sw2 = [float(s) for s in fp["xi_sw2"]]
    xi_rows = [{k: fp[f"xi_{k}"][i] for k in FP_KEYS} for i in range(len(xi_sw2))]
    ntk_rows = [{k: fp[f"ntk_{k}"][i] for k in FP_KEYS} for i in range(len(fp["ntk_sw2"]))]
    t = section["theory"]
    edge = sp.edge_of_chaos(act, sb2, float(grid[0]), float(grid[-1]), order)
    if logger:
        logger.info(
            f"fixed points on {len(grid)} sw2 values, edge of chaos {edge:.4f} "
            f"({time.perf_counter() - t0:.1f}s)"
        )
    # phase diagram (1-D rules only: q* and chi_1)
    pw = np.linspace(t["phase_sigma_w2"][0], t["phase_sigma_w2"][1], int(t["phase_points"]))
    pb = np.linspace(t["phase_sigma_b2"][0], t["phase_sigma_b2"][1], int(t["phase_points"]))
    chi_map = np.full((len(pb), len(pw)), np.nan)
    edge_curve = np.full(len(pb), np.nan)
    for i, b2 in enumerate(pb):
        for j, w2 in enumerate(pw):
            try:
                q = sp.q_star(act, w2, b2, order)
            except ValueError:
                continue
            chi_map[i, j] = (
                sp.chi_1(act, w2, q, order) if q > 0 else w2 * float(act.np_dphi(np.zeros(1))[0] ** 2)
            )
        try:
            edge_curve[i] = sp.edge_of_chaos(act, b2, float(pw[0]), float(pw[-1]), order)
        except (ValueError, RuntimeError):  # no fixed point in range / no convergence: no edge drawn
            pass
    # trajectories of the xi_c inputs, and the estimator applied to them
    depth = int(prop["depth"])
    traj = np.zeros((len(xi_sw2), 2, depth))
    xi_on_theory = np.zeros(len(xi_sw2))
    for i, (s, th) in enumerate(zip(xi_sw2, xi_rows)):
        cp, cm = xi_starts(th, prop)
        traj[i, 0] = correlation_trajectory(act, cp, th["q_star"], s, sb2, depth, order)
        traj[i, 1] = correlation_trajectory(act, cm, th["q_star"], s, sb2, depth, order)
        xi_on_theory[i] = fit_xi(
            xi_deviation(traj[i, 0], traj[i, 1], th["c_star"] >= 1),
            xi_fit_layers(prop, th["xi_c"], th["c_star"] >= 1),
        )
    # infinite-width NTK recursions of the NTK inputs
    readouts = ntk_readouts(ntk)
    theta = np.zeros((len(ntk_rows), max(readouts) + 1, 2, 2))
    for i, (s, th) in enumerate(zip(ntk["sigma_w2"], ntk_rows)):
        c0 = th["c_star"] if th["c_star"] < 1 else float(ntk["c0"])
        _, tt = sp.ntk_recursion(act, float(s), sb2, sp.sigma1_at(th["q_star"], c0), max(readouts), order)
        theta[i] = tt
    q_max = max(fp["q_star"].max(), fp["xi_q_star"].max(), fp["ntk_q_star"].max())
    study = quadrature_study(section, q_max, logger)
    wide = wide_kernel(section, seed)
    rec = recursion_identity(order)
    return {
        **fp,
        "edge": np.float64(edge),
        "phase_sw2": pw,
        "phase_sb2": pb,
        "phase_chi1": chi_map,
        "edge_curve": edge_curve,
        "xi_traj": traj,
        "xi_on_theory": xi_on_theory,
        "ntk_theory": theta,
        **study,
        **wide,
        "recursion_err": np.array([rec[n] for n in RECURSION_ACTS]),
    }


def ntk_readouts(ntk: dict) -> tuple[int, ...]:
    """Read-out depths of the NTK measurement: every ``stride``-th depth up to ``depth`` (the figure),
    the deepest one ``outputs`` times (``outputs`` times as many independent nets there, their NTKs
    averaged per seed: the deepest read-out is the noisiest)."""
    d, stride, o = int(ntk["depth"]), int(ntk["stride"]), int(ntk["outputs"])
    base = sorted(set(range(1, d + 1, stride)) | {d})
    return tuple(base + [d] * (o - 1))
