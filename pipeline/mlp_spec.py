"""The static description of a fully connected net (``MLPSpec``) and its nonlinearity.

``MLPSpec`` is shared by every parameterisation: ``pipeline.models`` implements the NTK
parameterisation (neural-tangents' conventions) and dispatches the others to
``pipeline.parameterisations``; both import the spec from here, so neither imports the other's
caller (no import cycle). See ``pipeline.models`` for the layer formula and conventions.

The nonlinearity is any name of the activation registry ``pipeline.activations`` (``ACTIVATIONS`` =
``activations.NAMES``: relu, leaky_relu, abs, erf, tanh, sigmoid, gelu, silu, softplus, sin,
identity); leaky_relu's negative slope is the spec's ``activation_slope`` (default
``activations.DEFAULT_SLOPE``, config key ``activation_slope``; other activations ignore it).
``activation(spec)`` returns the registry's jax (phi, phi').
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from . import activations as _registry

ACTIVATIONS = _registry.NAMES
PARAMETERIZATIONS = ("ntk", "standard", "mup")  # non-ntk: init and forward in pipeline.parameterisations


@dataclass(frozen=True)
class MLPSpec:
    """Static description of an NTK-parameterised MLP (hashable: usable as a jit static arg)."""

    depth: int  # number of hidden layers (>= 1)
    width: int  # hidden width m (all hidden layers equal)
    d_in: int
    d_out: int = 1
    activation: str = "relu"
    w_std: float = 1.0
    b_std: float | None = None  # None: no bias parameters
    w_std_first: float | None = None  # None: w_std
    # "ntk" (this module's forward / init, the default) | "standard" | "mup": see parameterisations
    parameterization: str = "ntk"
    base_width: int | None = None  # mup only: the width where muP equals standard (None: width)
    activation_slope: float = _registry.DEFAULT_SLOPE  # leaky_relu's negative slope (others: unused)

    def __post_init__(self):
        if self.parameterization not in PARAMETERIZATIONS:
            raise ValueError(
                f"parameterization must be one of {PARAMETERIZATIONS}, got {self.parameterization!r}"
            )
        if self.depth < 1:
            raise ValueError(f"depth must be >= 1, got {self.depth}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")

    @property
    def fan_ins(self) -> tuple[int, ...]:
        return (self.d_in,) + (self.width,) * self.depth

    @property
    def fan_outs(self) -> tuple[int, ...]:
        return (self.width,) * self.depth + (self.d_out,)

    @property
    def w_stds(self) -> tuple[float, ...]:
        first = self.w_std if self.w_std_first is None else self.w_std_first
        return (first,) + (self.w_std,) * self.depth

    def with_width(self, width: int) -> MLPSpec:
        return replace(self, width=width)

    @classmethod
    def from_config(cls, section: dict, width: int, d_in: int, d_out: int = 1) -> MLPSpec:
        """The spec of a config section (``ntk.net``, an entry of ``train.archs``, ``train.jacot``,
        a train sidecar's arch fields ...) at ``width`` for inputs of dimension ``d_in``.

        Keys: depth, activation (a name of ``pipeline.activations``), optional activation_slope
        (leaky_relu's negative slope; default ``activations.DEFAULT_SLOPE``), w_std, b_std (null: no
        bias) and either ``input_scaling`` --
        'unscaled' (the two-layer ReLU net's convention, a . x not divided by sqrt(d_in): first-layer
        W_std = w_std * sqrt(d_in)) or 'ntk' (W_std = w_std in every layer, x / sqrt(d_in) as in
        neural-tangents and Jacot et al.) -- or an explicit ``w_std_first`` (null: w_std).
        """
        w_std = float(section["w_std"])
        if "input_scaling" in section:
            scaling = section["input_scaling"]
            if scaling not in ("unscaled", "ntk"):
                raise ValueError(f"input_scaling must be 'unscaled' or 'ntk', got {scaling!r}")
            first = w_std * math.sqrt(d_in) if scaling == "unscaled" else None
        else:
            first = None if section.get("w_std_first") is None else float(section["w_std_first"])
        b_std = section.get("b_std")
        return cls(
            depth=int(section["depth"]),
            width=int(width),
            d_in=int(d_in),
            d_out=int(d_out),
            activation=str(section["activation"]),
            w_std=w_std,
            b_std=None if b_std is None else float(b_std),
            w_std_first=first,
            activation_slope=float(section.get("activation_slope", _registry.DEFAULT_SLOPE)),
        )


def two_layer_relu(width: int, d_in: int = 2) -> MLPSpec:
    """The two-layer ReLU net f_m(x) = m^-1/2 sum_i b_i relu(a_i . x) (no bias, no 1/sqrt(d))."""
    return MLPSpec(depth=1, width=width, d_in=d_in, w_std=1.0, w_std_first=math.sqrt(d_in), b_std=None)


def registry_activation(spec: MLPSpec) -> _registry.Activation:
    """The spec's ``activations.Activation`` (slope bound for leaky_relu)."""
    return _registry.get(spec.activation, spec.activation_slope)


def activation(spec: MLPSpec):
    """(phi, phi') of the spec's nonlinearity as jax functions (the registry's ``jax_phi``,
    ``jax_dphi``; phi' a.e. for the kinked relu family)."""
    act = registry_activation(spec)
    return act.jax_phi, act.jax_dphi
