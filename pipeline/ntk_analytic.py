"""Infinite-width (analytic) NNGP and NTK of ``models.MLPSpec`` networks.

``limit_kernels`` is our own closed-form recursion in pure ``jax.numpy`` (no neural-tangents, so
it runs on any jax), in NTK parameterisation with the conventions of ``models``. With
Sigma_1 = w_std_1^2 x.x'/d_in + b_std^2 and, for l = 1..L (L = depth),

    Sigma_{l+1} = w_std_{l+1}^2 E[phi(u) phi(v)] + b_std^2,
    SigmaDot_l  = E[phi'(u) phi'(v)],      (u, v) ~ N(0, [[Sigma_l(x,x), Sigma_l(x,x')], [., Sigma_l(x',x')]])
    Theta_1 = Sigma_1,  Theta_{l+1} = Sigma_{l+1} + w_std_{l+1}^2 SigmaDot_l Theta_l,

the NNGP is Sigma_{L+1}, the NTK Theta_{L+1}, and Theta splits into the per-layer parts
part_l = Sigma_l prod_{k=l}^{L} w_std_{k+1}^2 SigmaDot_k (the limit of ``ntk_empirical.ntk_parts``,
weights and bias of layer l). Closed forms, with q = Sigma(x,x), q' = Sigma(x',x'),
cos t = Sigma(x,x') / sqrt(q q'):

- ReLU (arc-cosine kernels, Cho and Saul 2009): E[phi phi] = sqrt(q q') (sin t + (pi - t) cos t) / (2 pi),
  E[phi' phi'] = (pi - t) / (2 pi).
- erf (Williams 1997): E[phi phi] = (2/pi) arcsin(2 Sigma(x,x') / sqrt((1 + 2q)(1 + 2q'))),
  E[phi' phi'] = (4/pi) / sqrt((1 + 2q)(1 + 2q') - 4 Sigma(x,x')^2).

Precision: with x2=None the variances are read off the diagonal, so cos t = 1 exactly there and
the diagonal is exact (neural-tangents' kernel_fn carries a ~sqrt(eps) arccos rounding error on
it: ~3e-8 relative in float64, ~1e-4 in float32). Off the diagonal, pairs with cos t within a few
eps of +-1 (near-coincident or antipodal inputs) lose accuracy to ~sqrt(eps) in t: use float64
(``precision.x64_context``) for reference kernels, as the ntk stage does.

For the two-layer ReLU net (``models.two_layer_relu``: depth 1, no bias, w_std_first = sqrt(d)) the
two parts are
K^(a) = x.x' (pi - t)/(2 pi) and K^(b) = |x||x'| (sin t + (pi - t) cos t)/(2 pi).

Any other activation of the registry (``pipeline.activations``; ``spec.activation``) goes through
``dual_expectations``: the closed forms of ``dual_kernels`` written in jnp where they exist (relu,
leaky_relu and abs from the ReLU pair, erf, sin, identity), otherwise (tanh, sigmoid, gelu, silu,
softplus) the product Gauss-Hermite rule of ``dual_kernels`` (order ``order``, default
``dual_kernels.DEFAULT_ORDER`` = 256: relative error <= 1e-8 in float64 for variances up to 3, the
convergence study in ``dual_kernels``' docstring), in jnp and jit-able, one row of the (N1, N2)
kernel at a time (``lax.map``: (N2, n, n) temporaries). Cost of a quadrature layer: 2 N1 N2 n^2
evaluations of phi and phi' (N = 64, n = 256: ~5e8, about a second per layer on one CPU core); the
off-diagonal variances recurse through the one-dimensional rule.

``nt_kernels`` is neural-tangents' ``stax`` kernel of the very same architecture (imported lazily
through ``nt_compat``, the only place that imports neural-tangents; jax <= 0.5.3, never on a GPU
path). Conventions as in ``models``: NTK parameterisation, W_std / sqrt(fan_in), b_std=None for no
bias; neural-tangents divides the input kernel by d_in, which ``w_std_first`` compensates exactly as
in the finite net. Its layer for the activation (``nt_compat.stax_activation``) is neural-tangents'
own closed form where it has one (Relu, LeakyRelu, Abs, Erf, Gelu, Sin, Identity) and
``stax.ElementwiseNumerical`` (its own Gauss-Hermite rule, degree ``nt_compat.NUMERICAL_DEG``)
for tanh, sigmoid, silu and softplus, so ``limit_kernels`` == ``nt_kernels`` is an identity for
every registered activation.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .activations import Activation
from .dual_kernels import DEFAULT_ORDER, gauss_hermite
from .mlp_spec import registry_activation
from .models import MLPSpec


def relu_expectations(q1: jnp.ndarray, q2: jnp.ndarray, s12: jnp.ndarray):
    """E[relu(u) relu(v)] and E[relu'(u) relu'(v)] for variances q1 (N1,), q2 (N2,) and
    covariance s12 (N1, N2)."""
    norm = jnp.sqrt(q1[:, None] * q2[None, :])
    cos = jnp.clip(jnp.where(norm > 0, s12 / jnp.where(norm > 0, norm, 1.0), 0.0), -1.0, 1.0)
    t = jnp.arccos(cos)
    e = norm * (jnp.sin(t) + (math.pi - t) * cos) / (2 * math.pi)
    return e, (math.pi - t) / (2 * math.pi)


def erf_expectations(q1: jnp.ndarray, q2: jnp.ndarray, s12: jnp.ndarray):
    """E[erf(u) erf(v)] and E[erf'(u) erf'(v)] for variances q1 (N1,), q2 (N2,), covariance s12 (N1, N2)."""
    d = (1 + 2 * q1[:, None]) * (1 + 2 * q2[None, :])
    e = (2 / math.pi) * jnp.arcsin(jnp.clip(2 * s12 / jnp.sqrt(d), -1.0, 1.0))
    return e, (4 / math.pi) / jnp.sqrt(d - 4 * s12**2)


def _quadrature_expectations(act: Activation, q1, q2, s12, order: int):
    """Product Gauss-Hermite rule of ``order`` for (E[phi phi], E[phi' phi']), row by row (jnp)."""
    z, w = (jnp.asarray(a, dtype=s12.dtype) for a in gauss_hermite(order))
    norm = jnp.sqrt(q1[:, None] * q2[None, :])
    cos = jnp.clip(jnp.where(norm > 0, s12 / jnp.where(norm > 0, norm, 1.0), 0.0), -1.0, 1.0)
    sin = jnp.sqrt(jnp.clip(1.0 - cos * cos, 0.0, None))
    b = jnp.sqrt(q2)[:, None, None]

    def row(args):
        a, c, s = args  # sqrt(q1_i), cos (N2,), sin (N2,)
        u = a * z  # (n,)
        v = b * (c[:, None, None] * z[None, :, None] + s[:, None, None] * z[None, None, :])  # (N2, n, n)
        e = jnp.einsum("i,i,j,kij->k", w, act.jax_phi(u), w, act.jax_phi(v))
        ed = jnp.einsum("i,i,j,kij->k", w, act.jax_dphi(u), w, act.jax_dphi(v))
        return e, ed

    return jax.lax.map(row, (jnp.sqrt(q1), cos, sin))


def dual_expectations(act: Activation, q1, q2, s12, order: int = DEFAULT_ORDER):
    """E[phi(u) phi(v)] and E[phi'(u) phi'(v)] of any registered activation for variances q1 (N1,),
    q2 (N2,) and covariance s12 (N1, N2): the closed form where ``dual_kernels`` has one, else the
    order-``order`` product Gauss-Hermite rule (jnp, jit-able; ``act`` static)."""
    name = act.name
    if name == "relu":
        return relu_expectations(q1, q2, s12)
    if name == "erf":
        return erf_expectations(q1, q2, s12)
    if name in ("leaky_relu", "abs"):
        a = -1.0 if name == "abs" else act.slope
        jp, dp = relu_expectations(q1, q2, s12)
        jm, _ = relu_expectations(q1, q2, -s12)
        return (1 + a * a) * jp - 2 * a * jm, a * a + a * (1 - a) + (1 - a) ** 2 * dp
    if name == "sin":
        e = jnp.exp(-(q1[:, None] + q2[None, :]) / 2)
        return e * jnp.sinh(s12), e * jnp.cosh(s12)
    if name == "identity":
        return s12, jnp.ones_like(s12)
    return _quadrature_expectations(act, q1, q2, s12, order)


def _diag_expectation(act: Activation, q: jnp.ndarray, order: int = DEFAULT_ORDER) -> jnp.ndarray:
    """E[phi(u)^2] for u ~ N(0, q): q/2 (ReLU), (2/pi) arcsin(2q / (1 + 2q)) (erf), the closed
    forms' diagonal (leaky_relu, abs, sin, identity), else the order-``order`` 1-D rule."""
    name = act.name
    if name == "relu":
        return q / 2
    if name == "erf":
        return (2 / math.pi) * jnp.arcsin(2 * q / (1 + 2 * q))
    if name in ("leaky_relu", "abs"):
        a = -1.0 if name == "abs" else act.slope
        return (1 + a * a) * q / 2
    if name == "sin":
        return jnp.exp(-q) * jnp.sinh(q)
    if name == "identity":
        return q
    z, w = (jnp.asarray(a, dtype=q.dtype) for a in gauss_hermite(order))
    return (act.jax_phi(jnp.sqrt(q)[:, None] * z) ** 2) @ w


def limit_kernels(
    spec: MLPSpec, x1: jnp.ndarray, x2: jnp.ndarray | None = None, order: int = DEFAULT_ORDER
) -> dict[str, jnp.ndarray]:
    """Our infinite-width kernels of ``spec`` (pure jnp; jit-able with spec static): closed forms,
    or the order-``order`` Gauss-Hermite rule for activations without one.

    x1 (N1, d_in), x2 (N2, d_in) or None (= x1). Returns {'nngp': Sigma (N1, N2), 'ntk': Theta
    (N1, N2), 'parts': (depth+1, N1, N2)} with parts summing to Theta; the kernels are per output
    (the same for every one of the d_out outputs).
    """
    x2_ = x1 if x2 is None else x2
    act = registry_activation(spec)

    def expect(a, b, s):
        return dual_expectations(act, a, b, s, order)

    b2 = 0.0 if spec.b_std is None else spec.b_std**2
    w2 = [w**2 for w in spec.w_stds]
    s12 = w2[0] * (x1 @ x2_.T) / spec.d_in + b2
    # x2 None: the variances are read off the diagonal, so cos t = 1 exactly there (no arccos
    # rounding on the diagonal); otherwise they follow their own recursion.
    q1 = jnp.diagonal(s12) if x2 is None else w2[0] * jnp.sum(x1 * x1, axis=1) / spec.d_in + b2
    q2 = None if x2 is None else w2[0] * jnp.sum(x2_ * x2_, axis=1) / spec.d_in + b2
    parts = [s12]
    for l in range(1, spec.depth + 1):
        e12, edot = expect(q1, q1 if x2 is None else q2, s12)
        s12 = w2[l] * e12 + b2
        if x2 is None:
            q1 = jnp.diagonal(s12)
        else:
            q1 = w2[l] * _diag_expectation(act, q1, order) + b2
            q2 = w2[l] * _diag_expectation(act, q2, order) + b2
        parts = [p * (w2[l] * edot) for p in parts] + [s12]
    parts = jnp.stack(parts)
    return {"nngp": s12, "ntk": parts.sum(0), "parts": parts}


def stax_layers(spec: MLPSpec):
    """neural-tangents stax layers equal to ``spec`` (same parameter layout and scaling)."""
    from . import nt_compat

    nt_compat.load()
    from neural_tangents import stax

    act = nt_compat.stax_activation(registry_activation(spec))
    layers = []
    for l in range(spec.depth + 1):
        layers.append(
            stax.Dense(spec.fan_outs[l], W_std=spec.w_stds[l], b_std=spec.b_std, parameterization="ntk")
        )
        if l < spec.depth:
            layers.append(act)
    return stax.serial(*layers)


def nt_kernels(spec: MLPSpec, x1: jnp.ndarray, x2: jnp.ndarray | None = None) -> dict[str, jnp.ndarray]:
    """neural-tangents' analytic kernels: {'nngp': (N1, N2), 'ntk': (N1, N2)} for d_out = 1.

    Activations without a neural-tangents closed form (``ElementwiseNumerical``, whose temporaries
    are (deg^2, N1, N2)) are evaluated in row blocks of x1 that keep them under ~2^24 entries."""
    from . import nt_compat

    _, _, kernel_fn = stax_layers(spec)
    if nt_compat.has_closed_form(registry_activation(spec)):
        k = kernel_fn(x1, x2, ("nngp", "ntk"))
        return {"nngp": k.nngp, "ntk": k.ntk}
    x2_ = x1 if x2 is None else x2
    rows = max(1, (1 << 24) // (nt_compat.NUMERICAL_DEG**2 * x2_.shape[0]))
    blocks = [kernel_fn(x1[i : i + rows], x2_, ("nngp", "ntk")) for i in range(0, x1.shape[0], rows)]
    return {k: jnp.concatenate([getattr(b, k) for b in blocks]) for k in ("nngp", "ntk")}
