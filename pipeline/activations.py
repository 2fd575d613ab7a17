"""The activation registry: every pointwise nonlinearity phi the pipeline knows, with its derivative.

``get(name, slope=...)`` returns an ``Activation`` with

- ``phi(x, xp)`` and ``dphi(x, xp)``: the function and its derivative (a.e. for the kinked ones),
  written once for any array namespace ``xp`` (``numpy`` for the float64 quadrature of
  ``dual_kernels``, ``jax.numpy`` for the finite nets); ``np_phi`` / ``jax_phi`` (and ``np_dphi`` /
  ``jax_dphi``) bind it;
- ``smooth``: True for infinitely differentiable phi (Gauss-Hermite quadrature converges fast),
  False for the kinked ReLU family (the quadrature converges slowly: use the closed form);
- ``closed_form``: whether ``dual_kernels`` has a closed form of both dual kernels.

Names (``NAMES``): relu, leaky_relu (``slope`` a: max(x, a x)), abs, erf, tanh, sigmoid, gelu
(exact: x Phi(x), Phi the standard normal CDF), silu (x sigmoid(x), "swish"), softplus
(log(1 + e^x)), sin, identity. Closed forms (``CLOSED_FORM``): relu, leaky_relu, abs (arc-cosine
kernels, Cho & Saul 2009), erf (Williams 1997), sin and identity; tanh, sigmoid, gelu, silu and
softplus go through two-dimensional Gauss-Hermite quadrature (``dual_kernels``).

Conventions: elementwise, float in float out; ``x`` of any shape. No parameters other than the
leaky ReLU's slope (default 0.1). Cost: one elementwise pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np

NAMES = (
    "relu",
    "leaky_relu",
    "abs",
    "erf",
    "tanh",
    "sigmoid",
    "gelu",
    "silu",
    "softplus",
    "sin",
    "identity",
)
CLOSED_FORM = ("relu", "leaky_relu", "abs", "erf", "sin", "identity")
KINKED = ("relu", "leaky_relu", "abs")
DEFAULT_SLOPE = 0.1
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(xp):
    if xp is np:
        from scipy.special import erf

        return erf
    from jax.scipy.special import erf

    return erf


def _sigmoid(x, xp):
    # 1 / (1 + e^-x) without overflow warnings: 0.5 (1 + tanh(x / 2))
    return 0.5 * (1.0 + xp.tanh(0.5 * x))


def _softplus(x, xp):
    return xp.logaddexp(0.0, x)


def _gelu(x, xp):
    return x * 0.5 * (1.0 + _erf(xp)(x / _SQRT2))


def _dgelu(x, xp):
    return 0.5 * (1.0 + _erf(xp)(x / _SQRT2)) + x * _INV_SQRT_2PI * xp.exp(-0.5 * x * x)


def _silu(x, xp):
    return x * _sigmoid(x, xp)


def _dsilu(x, xp):
    s = _sigmoid(x, xp)
    return s + x * s * (1.0 - s)


def _leaky(x, xp, slope):
    return xp.where(x > 0, x, slope * x)


def _dleaky(x, xp, slope):
    return xp.where(x > 0, 1.0, slope) + 0.0 * x


_TABLE = {
    # where, not maximum: jax.grad at 0 is 0, as jax.nn.relu's
    "relu": (lambda x, xp: xp.where(x > 0, x, 0.0), lambda x, xp: (x > 0).astype(x.dtype)),
    "abs": (lambda x, xp: xp.abs(x), lambda x, xp: xp.sign(x)),
    "erf": (lambda x, xp: _erf(xp)(x), lambda x, xp: (2.0 / math.sqrt(math.pi)) * xp.exp(-x * x)),
    "tanh": (lambda x, xp: xp.tanh(x), lambda x, xp: 1.0 - xp.tanh(x) ** 2),
    "sigmoid": (_sigmoid, lambda x, xp: _sigmoid(x, xp) * (1.0 - _sigmoid(x, xp))),
    "gelu": (_gelu, _dgelu),
    "silu": (_silu, _dsilu),
    "softplus": (_softplus, _sigmoid),
    "sin": (lambda x, xp: xp.sin(x), lambda x, xp: xp.cos(x)),
    "identity": (lambda x, xp: x, lambda x, xp: 0.0 * x + 1.0),
}


@dataclass(frozen=True)
class Activation:
    """One registered activation (hashable: a jit static argument)."""

    name: str
    slope: float = DEFAULT_SLOPE  # leaky_relu only
    _fns: tuple = field(default=(), compare=False, repr=False)

    @property
    def smooth(self) -> bool:
        return self.name not in KINKED

    @property
    def closed_form(self) -> bool:
        return self.name in CLOSED_FORM

    def phi(self, x, xp=np):
        return self._fns[0](x, xp)

    def dphi(self, x, xp=np):
        return self._fns[1](x, xp)

    def np_phi(self, x):
        return self.phi(np.asarray(x, dtype=float), np)

    def np_dphi(self, x):
        return self.dphi(np.asarray(x, dtype=float), np)

    def jax_phi(self, x):
        import jax.numpy as jnp

        return self.phi(x, jnp)

    def jax_dphi(self, x):
        import jax.numpy as jnp

        return self.dphi(x, jnp)

    def label(self) -> str:
        return f"leaky_relu({self.slope:g})" if self.name == "leaky_relu" else self.name


def get(name: str, slope: float = DEFAULT_SLOPE) -> Activation:
    """The registered activation ``name`` (``NAMES``); ``slope`` is the leaky ReLU's negative slope."""
    if name not in NAMES:
        raise ValueError(f"unknown activation {name!r}; registered: {', '.join(NAMES)}")
    if name == "leaky_relu":
        fns = (partial(_leaky, slope=float(slope)), partial(_dleaky, slope=float(slope)))
    else:
        fns = _TABLE[name]
    return Activation(name, float(slope) if name == "leaky_relu" else DEFAULT_SLOPE, fns)
