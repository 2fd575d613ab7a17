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
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp

ACTIVATIONS = ("relu", "erf")
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

        Keys: depth, activation, w_std, b_std (null: no bias) and either ``input_scaling`` --
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
        )


def two_layer_relu(width: int, d_in: int = 2) -> MLPSpec:
    """The two-layer ReLU net f_m(x) = m^-1/2 sum_i b_i relu(a_i . x) (no bias, no 1/sqrt(d))."""
    return MLPSpec(depth=1, width=width, d_in=d_in, w_std=1.0, w_std_first=math.sqrt(d_in), b_std=None)


def init_params(key: jax.Array, spec: MLPSpec, dtype=jnp.float32) -> list[dict]:
    """Draw W_l, b_l ~ N(0, 1) for every layer. Returns the list-of-dicts pytree."""
    if spec.parameterization != "ntk":
        from .parameterisations import init_params as init_other

        return init_other(key, spec, dtype)
    params = []
    keys = jax.random.split(key, 2 * (spec.depth + 1))
    for l, (n_in, n_out) in enumerate(zip(spec.fan_ins, spec.fan_outs)):
        layer = {"W": jax.random.normal(keys[2 * l], (n_in, n_out), dtype)}
        if spec.b_std is not None:
            layer["b"] = jax.random.normal(keys[2 * l + 1], (n_out,), dtype)
        params.append(layer)
    return params


def activation(spec: MLPSpec):
    """(phi, phi') of the spec's nonlinearity."""
    if spec.activation == "relu":
        return jax.nn.relu, lambda z: (z > 0).astype(z.dtype)
    return jax.scipy.special.erf, lambda z: 2.0 / math.sqrt(math.pi) * jnp.exp(-z * z)


def forward(params: list[dict], x: jax.Array, spec: MLPSpec) -> tuple[jax.Array, list, list]:
    """Forward pass keeping intermediates.

    x: (N, d_in). Returns f (N, d_out), the layer inputs [h_0 = x, h_1, ..., h_depth] and the
    pre-activations [z_1, ..., z_{depth+1}] (z_{depth+1} = f).
    """
    if spec.parameterization != "ntk":
        from .parameterisations import forward as forward_other

        return forward_other(params, x, spec)
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
