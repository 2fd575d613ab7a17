"""The one place that imports neural-tangents 0.6.5, patched to run on jax 0.5.3 without TensorFlow.

neural-tangents 0.6.5 (its last release) has three problems on the environment we pin:

1. ``neural_tangents/__init__`` imports ``neural_tangents.experimental`` (helpers for TensorFlow
   models) which imports ``tensorflow``. We install neural-tangents without tensorflow/tf2jax and
   register a stub for that submodule; touching it raises an ImportError that says why.
2. The structured-derivatives empirical NTK uses ``jax.interpreters.ad.source_info_util`` and
   ``jax.interpreters.ad.config``, which jax 0.5 no longer re-exports. We restore both attributes.
3. ``implementation=AUTO`` indexes ``Compiled.cost_analysis()[0]``; jax 0.5 returns a dict. We
   replace the private ``_get_flops`` helper with one that accepts both.

``stax_activation(act)`` maps an ``activations.Activation`` to its stax layer: neural-tangents'
closed form where it has one (``NT_CLOSED``), ``stax.ElementwiseNumerical(phi, NUMERICAL_DEG,
phi')`` otherwise (tanh, sigmoid, silu, softplus: neural-tangents' Sigmoid_like is an erf
approximation, not the logistic sigmoid).

Nothing else in the project imports neural-tangents: use ``load()`` (cached), lazily, only where
analytic kernels or neural-tangents' reference implementations are needed, so that the rest of the
pipeline runs on any recent jax (e.g. the GPU machine's jax 0.11, where this import fails loudly).
"""

from __future__ import annotations

import functools
import sys
import types

NT_VERSION = "0.6.5"
# neural-tangents' own closed-form layers per registry name (activations.NAMES); the rest go through
# stax.ElementwiseNumerical of degree NUMERICAL_DEG (its physicists' Gauss-Hermite rule; for tanh,
# the slowest to converge, the relative error is ~1e-7 at 96 for variances <= 1.5, see dual_kernels)
NT_CLOSED = {"relu": "Relu", "leaky_relu": "LeakyRelu", "abs": "Abs", "erf": "Erf", "gelu": "Gelu",
             "sin": "Sin", "identity": "Identity"}  # fmt: skip
NUMERICAL_DEG = 96


class _ExperimentalStub(types.ModuleType):
    """Stands in for ``neural_tangents.experimental`` (TensorFlow-only helpers, not installed)."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(
            "neural_tangents.experimental needs TensorFlow, which ntk-pipeline does not install "
            f"(requested attribute {name!r}); use neural_tangents.stax / empirical_ntk_fn instead."
        )


def _patch_jax() -> None:
    from jax._src import config as jax_config
    from jax._src import source_info_util
    from jax.interpreters import ad

    if not hasattr(ad, "source_info_util"):
        ad.source_info_util = source_info_util
    if not hasattr(ad, "config"):
        ad.config = jax_config.config


def _get_flops(f, optimize: bool, *a, **kw) -> float:
    """``neural_tangents._src.empirical._get_flops`` accepting dict or list cost analyses."""
    import jax

    lowered = jax.jit(f).lower(*a, **kw)
    analysis = lowered.compile().cost_analysis() if optimize else lowered.cost_analysis()
    if isinstance(analysis, (list, tuple)):
        analysis = analysis[0]
    return analysis["flops"]


@functools.cache
def load():
    """Import and return the patched ``neural_tangents`` module.

    Raises ImportError with a clear message when the installed jax or neural-tangents is not the
    pinned pair (neural-tangents 0.6.5 needs jax <= 0.5.3).
    """
    import jax

    major, minor = (int(p) for p in jax.__version__.split(".")[:2])
    if (major, minor) > (0, 5):
        raise ImportError(
            f"neural-tangents {NT_VERSION} needs jax <= 0.5.3 but jax {jax.__version__} is installed; "
            "analytic kernels are unavailable in this environment (use the pinned .venv)."
        )
    _patch_jax()
    sys.modules.setdefault("neural_tangents.experimental", _ExperimentalStub("neural_tangents.experimental"))
    try:
        import neural_tangents as nt
    except ModuleNotFoundError as err:  # pragma: no cover - depends on the install
        raise ImportError(f"neural-tangents is not installed ({err}); run `make install`.") from err
    from neural_tangents._src import empirical

    empirical._get_flops = _get_flops
    if nt.__version__ != NT_VERSION:
        raise ImportError(f"expected neural-tangents {NT_VERSION}, found {nt.__version__}")
    return nt


def has_closed_form(act) -> bool:
    """Whether neural-tangents has a closed-form layer for the registry activation ``act``."""
    return act.name in NT_CLOSED


def stax_activation(act):
    """The neural-tangents stax layer of the registry activation ``act`` (``activations.Activation``)."""
    import warnings

    load()
    from neural_tangents import stax

    name = act.name
    if name == "leaky_relu":
        return stax.LeakyRelu(act.slope)
    if name == "gelu":
        return stax.Gelu(approximate=False)
    if name == "sin":
        return stax.Sin(a=1.0, b=1.0, c=0.0)
    if name in NT_CLOSED:
        return getattr(stax, NT_CLOSED[name])()
    with warnings.catch_warnings():  # it warns that the accuracy depends on deg (documented above)
        warnings.simplefilter("ignore")
        return stax.ElementwiseNumerical(act.jax_phi, NUMERICAL_DEG, act.jax_dphi)
