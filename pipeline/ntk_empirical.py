"""Empirical NTK of an NTK-parameterised MLP from its layer structure (no Jacobian materialised).

For f = z_{L+1} (d_out = 1) with the conventions of ``models``, g_l = df/dz_l (N, n_l) obeys
g_{L+1} = 1, g_l = phi'(z_l) * (g_{l+1} @ W_{l+1}^T) * w_std_{l+1} / sqrt(n_l), and

    K(x, x') = sum_l [ (w_std_l^2 / n_{l-1}) (H_{l-1} H_{l-1}'^T) o (G_l G_l'^T)      (weights W_l)
                       + b_std^2 (G_l G_l'^T) ]                                       (biases b_l)

with o the elementwise product. ``ntk_parts`` returns these per-layer terms; for the seed's net
(depth 1, no bias) part 0 is K^(a) (first layer) and part 1 is K^(b) (read-out).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .models import MLPSpec, activation, forward


def backward_signals(params: list[dict], x: jax.Array, spec: MLPSpec):
    """Layer inputs H_{l-1} and output sensitivities G_l = df/dz_l, l = 1..L+1 (d_out must be 1)."""
    if spec.d_out != 1:
        raise ValueError("the structured empirical NTK here assumes d_out = 1")
    _, dphi = activation(spec)
    _, hs, zs = forward(params, x, spec)
    n = x.shape[0]
    gs = [jnp.ones((n, 1), x.dtype)]
    for l in range(spec.depth, 0, -1):  # hidden layers L..1 (0-based index l-1 into zs)
        W = params[l]["W"]
        g = (gs[0] @ W.T) * (spec.w_stds[l] / math.sqrt(spec.fan_ins[l])) * dphi(zs[l - 1])
        gs.insert(0, g)
    return hs, gs


def ntk_parts(params: list[dict], x1: jax.Array, spec: MLPSpec, x2: jax.Array | None = None) -> jax.Array:
    """Per-layer empirical NTK parts, shape (depth+1, N1, N2); their sum is K(x1, x2).

    Part l includes layer l's weight term and, when the net has biases, its bias term.
    """
    h1, g1 = backward_signals(params, x1, spec)
    h2, g2 = (h1, g1) if x2 is None else backward_signals(params, x2, spec)
    parts = []
    for l in range(spec.depth + 1):
        gg = g1[l] @ g2[l].T
        k = (spec.w_stds[l] ** 2 / spec.fan_ins[l]) * (h1[l] @ h2[l].T) * gg
        if spec.b_std is not None:
            k = k + spec.b_std ** 2 * gg
        parts.append(k)
    return jnp.stack(parts)


def ntk(params: list[dict], x1: jax.Array, spec: MLPSpec, x2: jax.Array | None = None) -> jax.Array:
    """Empirical NTK K(x1, x2), shape (N1, N2)."""
    return ntk_parts(params, x1, spec, x2).sum(0)
