"""Rule ntk_activations (pipeline.stages.ntk_activations): the error-exponent estimator on cases with a
known answer, the check on a tiny real tanh sweep, and a case where it must fail (a wrong limit)."""

from __future__ import annotations

import numpy as np

from pipeline.stages import ntk_activations as na

NET = {"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": None, "input_scaling": "unscaled"}


def _circle(n: int = 16) -> np.ndarray:
    g = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[np.cos(g), np.sin(g)]


def test_mean_square_exponent_recovers_a_known_rate():
    rng = np.random.default_rng(0)
    widths = np.array([16, 64, 256, 1024])
    errs = 0.7 * widths[:, None] ** -0.5 * rng.chisquare(3, (4, 4000)) ** 0.5  # E e^2 = 3 (0.49) / m
    est, lo, hi = na.bootstrap_exponent(widths, errs, 0.95, seed=0)
    assert lo <= -0.5 <= hi and hi - lo < 0.05 and abs(est + 0.5) < 0.02


def test_tanh_exponent_on_a_tiny_sweep_and_the_check_row():
    x, widths = _circle(), [16, 64, 256]
    errs = na.errors_for(x, na.net_section(NET, "tanh"), widths, 8, seed=0, index=0, x64=False)
    assert errs.shape == (3, 8) and np.all(np.diff(errs.mean(1)) < 0)
    table = na.exponent_rows(["tanh"], widths, errs[None], 0.95)
    (c,) = na.activation_checks(table, 0.95)
    assert c.check == "ntk_error_exponent_tanh" and c.kind == "prediction"
    assert c.interval and c.power and "Source" in c.detail and c.verdict in ("pass", "inconclusive")
    assert c.ci_low < -0.3 and c.ci_high > -0.7


def test_exponent_check_fails_against_a_wrong_limit():
    """Must fail: the tanh net's empirical NTK against the erf net's limit (a wrong analytic kernel)
    stops improving once the bias dominates: the fitted exponent is far above -0.5."""
    import jax.numpy as jnp

    from pipeline.models import MLPSpec
    from pipeline.ntk_analytic import limit_kernels
    from pipeline.ntk_empirical import relative_errors
    from pipeline.precision import x64_context
    from pipeline.stages.ntk import empirical_parts

    x, widths, seeds = _circle(), [256, 1024, 4096], 6
    tanh = na.net_section(NET, "tanh")
    with x64_context(True):
        wrong = np.asarray(
            limit_kernels(MLPSpec.from_config({**tanh, "activation": "erf"}, 1, 2), jnp.asarray(x))["parts"]
        )
    errs = np.stack(
        [
            relative_errors(
                empirical_parts(MLPSpec.from_config(tanh, m, 2), x, na.activation_keys(0, 0, m, seeds)), wrong
            )[:, 0, 0]
            for m in widths
        ]
    )
    (c,) = na.activation_checks(na.exponent_rows(["tanh"], widths, errs[None], 0.95), 0.95)
    assert c.verdict == "fail", (c.measured, c.ci_low, c.ci_high)
