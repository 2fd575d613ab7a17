"""Fully connected networks in NTK parameterisation, with neural-tangents' conventions exactly.

Layer l (l = 1 .. depth+1) maps h_{l-1} (N, n_{l-1}) to the pre-activation

    z_l = (w_std_l / sqrt(n_{l-1})) * h_{l-1} @ W_l + b_std * b_l,     W_l, b_l ~ N(0, 1),

h_l = phi(z_l) for hidden layers, and f = z_{depth+1} (shape (N, d_out)). This is
``stax.Dense(n_l, W_std=w_std_l, b_std=b_std, parameterization='ntk')``; ``b_std=None`` means no
bias (neural-tangents' convention). ``w_std_l`` is ``w_std`` for every layer except the first,
which uses ``w_std_first`` when given.

The two-layer ReLU network f_m(x) = m^-1/2 sum_i b_i relu(a_i . x), a_i ~ N(0, I_d), b_i ~ N(0, 1), is
``MLPSpec(depth=1, width=m, d_in=d, w_std=1.0, w_std_first=sqrt(d), b_std=None)``: this net does not
divide a_i . x by sqrt(d), so the first layer needs W_std = sqrt(d) to cancel neural-tangents'
1/sqrt(fan_in); the read-out's W_std = 1 gives exactly m^-1/2 sum_i b_i relu(.). ``two_layer_relu(m, d)``
builds it.

Parameters are a list of dicts ``{"W": (n_{l-1}, n_l), "b": (n_l,)}`` ("b" absent without bias),
so they are a pytree that vmaps over seeds.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from . import parameterisations
from .mlp_spec import ACTIVATIONS, PARAMETERIZATIONS, MLPSpec, activation, two_layer_relu

__all__ = [
    "ACTIVATIONS",
    "PARAMETERIZATIONS",
    "MLPSpec",
    "activation",
    "apply",
    "forward",
    "init_params",
    "two_layer_relu",
]


def init_params(key: jax.Array, spec: MLPSpec, dtype=jnp.float32) -> list[dict]:
    """Draw W_l, b_l ~ N(0, 1) for every layer. Returns the list-of-dicts pytree."""
    if spec.parameterization != "ntk":
        return parameterisations.init_params(key, spec, dtype)
    params = []
    keys = jax.random.split(key, 2 * (spec.depth + 1))
    for l, (n_in, n_out) in enumerate(zip(spec.fan_ins, spec.fan_outs)):
        layer = {"W": jax.random.normal(keys[2 * l], (n_in, n_out), dtype)}
        if spec.b_std is not None:
            layer["b"] = jax.random.normal(keys[2 * l + 1], (n_out,), dtype)
        params.append(layer)
    return params


def forward(params: list[dict], x: jax.Array, spec: MLPSpec) -> tuple[jax.Array, list, list]:
    """Forward pass keeping intermediates.

    x: (N, d_in). Returns f (N, d_out), the layer inputs [h_0 = x, h_1, ..., h_depth] and the
    pre-activations [z_1, ..., z_{depth+1}] (z_{depth+1} = f).
    """
    if spec.parameterization != "ntk":
        return parameterisations.forward(params, x, spec)
    phi, _ = activation(spec)
    hs, zs = [x], []
    h = x
    for l, layer in enumerate(params):
        z = (spec.w_stds[l] / math.sqrt(spec.fan_ins[l])) * (h @ layer["W"])
        if spec.b_std is not None:
            z = z + spec.b_std * layer["b"]
        zs.append(z)
        if l < spec.depth:
            h = phi(z)
            hs.append(h)
    return zs[-1], hs, zs


def apply(params: list[dict], x: jax.Array, spec: MLPSpec) -> jax.Array:
    """f(params, x): (N, d_in) -> (N, d_out)."""
    return forward(params, x, spec)[0]
