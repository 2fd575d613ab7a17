"""Floating-point precision of JAX computations: one scoped float64 switch for every stage.

``x64_context(True)`` enables float64 inside a ``with`` block only (``jax.enable_x64`` on new jax,
``jax.experimental.enable_x64`` on jax 0.5), so a stage never flips the process-wide flag that
other code in the same process relies on. ``float_dtype(x64)`` is the matching numpy dtype.
"""

from __future__ import annotations

import contextlib

import numpy as np


def x64_context(enabled: bool = True):
    """A context manager running JAX in float64 when ``enabled`` (a no-op otherwise)."""
    import jax

    if not enabled:
        return contextlib.nullcontext()
    ctx = getattr(jax, "enable_x64", None)
    if ctx is None:
        from jax.experimental import enable_x64 as ctx
    return ctx(True)


def float_dtype(x64: bool):
    return np.float64 if x64 else np.float32


def scoped_x64(fn):
    """Decorator: run ``fn`` inside ``x64_context(x64)`` where ``x64`` is its argument of that name."""
    import functools
    import inspect

    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        with x64_context(bool(bound.arguments["x64"])):
            return fn(*args, **kwargs)

    return wrapper
