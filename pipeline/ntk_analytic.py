"""Infinite-width (analytic) NNGP and NTK of ``models.MLPSpec`` networks.

``nt_kernels`` is neural-tangents' ``stax`` kernel of the very same architecture (imported lazily
through ``nt_compat``, the only place that imports neural-tangents). Conventions as in
``models``: NTK parameterisation, W_std / sqrt(fan_in), b_std=None for no bias; neural-tangents
divides the input kernel by d_in, which ``w_std_first`` compensates exactly as in the finite net.
"""

from __future__ import annotations

import jax.numpy as jnp

from .models import MLPSpec


def stax_layers(spec: MLPSpec):
    """neural-tangents stax layers equal to ``spec`` (same parameter layout and scaling)."""
    from . import nt_compat

    nt_compat.load()
    from neural_tangents import stax

    act = stax.Relu() if spec.activation == "relu" else stax.Erf()
    layers = []
    for l in range(spec.depth + 1):
        layers.append(stax.Dense(spec.fan_outs[l], W_std=spec.w_stds[l], b_std=spec.b_std,
                                 parameterization="ntk"))
        if l < spec.depth:
            layers.append(act)
    return stax.serial(*layers)


def nt_kernels(spec: MLPSpec, x1: jnp.ndarray, x2: jnp.ndarray | None = None) -> dict[str, jnp.ndarray]:
    """neural-tangents' analytic kernels: {'nngp': (N1, N2), 'ntk': (N1, N2)} for d_out = 1."""
    _, _, kernel_fn = stax_layers(spec)
    k = kernel_fn(x1, x2, ("nngp", "ntk"))
    return {"nngp": k.nngp, "ntk": k.ntk}
