"""The ntk stage: error measures, exponent fit, config checks, and a tiny real Snakemake run."""

import copy

import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from conftest import TINY, load_yaml

from pipeline import datasets, models
from pipeline.config import ConfigError, validate_config
from pipeline.fits import fit_exponent
from pipeline.ntk_analytic import limit_kernels
from pipeline.ntk_empirical import relative_errors
from pipeline.stages import ntk as stage

TWO_LAYER_RELU = {"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": None, "input_scaling": "unscaled"}


def test_net_spec_defaults_are_the_seed_net():
    assert models.MLPSpec.from_config(TWO_LAYER_RELU, 128, 2) == models.two_layer_relu(128, 2)
    ntk = models.MLPSpec.from_config(dict(TWO_LAYER_RELU, input_scaling="ntk", depth=3, b_std=0.1), 64, 3)
    assert ntk.w_stds == (1.0, 1.0, 1.0, 1.0) and ntk.b_std == 0.1 and ntk.depth == 3
    assert stage.part_names(1) == ["K", "K_a", "K_b"]
    assert stage.part_names(2) == ["K", "K_1", "K_2", "K_3"]


def test_relative_errors():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 6, 6))
    ana = a @ np.swapaxes(a, -1, -2)  # two symmetric PSD parts
    emp = np.stack([ana * 1.1, ana, ana * np.array([1.0, 0.5])[:, None, None]])  # (S=3, 2, 6, 6)
    err = relative_errors(emp, ana)
    assert err.shape == (3, 3, 2)  # (seeds, [K, part 0, part 1], [frobenius, spectral])
    np.testing.assert_allclose(err[0], 0.1, rtol=1e-12)  # every part 10% too large
    np.testing.assert_allclose(err[1], 0.0, atol=1e-15)
    np.testing.assert_allclose(err[2, 1], 0.0, atol=1e-15)
    np.testing.assert_allclose(err[2, 2], 0.5, rtol=1e-12)
    assert 0 < err[2, 0, 0] < 0.5


def test_fit_exponent_recovers_a_known_slope():
    rng = np.random.default_rng(1)
    widths = 2.0 ** np.arange(4, 14)
    errs = 3.0 * widths[None, :] ** -0.5 * np.exp(0.2 * rng.standard_normal((12, widths.size)))
    fit = fit_exponent(widths, errs, ci=0.95)
    assert fit["ci_low"] < -0.5 < fit["ci_high"]
    assert abs(fit["exponent"] + 0.5) < 0.05 and fit["slopes"].shape == (12,)
    steeper = fit_exponent(widths, errs * widths[None, :] ** -0.5)
    assert abs(steeper["exponent"] + 1.0) < 0.05
    assert fit_exponent(widths, np.zeros_like(errs))["n_seeds"] == 0  # nothing positive to fit
    with pytest.raises(ValueError, match="n_x"):
        fit_exponent(widths[:3], errs)


def test_empirical_parts_deterministic_and_converging():
    spec = models.MLPSpec.from_config(TWO_LAYER_RELU, 4096, 2)
    x = datasets.circle(12, 8, [1])["x_train"]
    keys = stage.init_keys(0, 4096, 3)
    emp = stage.empirical_parts(spec, x, keys, block_size=5)
    assert emp.shape == (3, 2, 12, 12)
    np.testing.assert_array_equal(emp, stage.empirical_parts(spec, x, keys, block_size=5))
    assert not np.allclose(emp[0], emp[1])  # independent seeds
    ana = np.asarray(limit_kernels(spec, jnp.asarray(x))["parts"])
    err = relative_errors(emp, ana)
    assert np.all(err < 0.15)  # ~ 2 / sqrt(4096) = 0.03 expected


def test_config_errors_name_the_key():
    cfg = load_yaml(TINY)
    bad = copy.deepcopy(cfg)
    bad["ntk"]["heatmap_widths"] = [16, 999]
    with pytest.raises(ConfigError, match=r"ntk\.heatmap_widths\[1\]: width 999"):
        validate_config(bad)
    bad = copy.deepcopy(cfg)
    bad["ntk"]["net"]["activation"] = "swish"  # not in the activation registry
    with pytest.raises(ConfigError, match=r"ntk\.net\.activation"):
        validate_config(bad)
    bad = copy.deepcopy(cfg)
    bad["ntk"]["activations"] = {"names": ["tanhh"]}
    with pytest.raises(ConfigError, match=r"ntk\.activations\.names"):
        validate_config(bad)
    bad = copy.deepcopy(cfg)
    bad["ntk"]["seeds"] = 1
    with pytest.raises(ConfigError, match=r"ntk\.seeds"):
        validate_config(bad)
    ok = validate_config({**copy.deepcopy(cfg), "ntk": {}})
    assert ok["ntk"]["widths"][0] == 64 and ok["ntk"]["widths"][-1] == 16384 and ok["ntk"]["seeds"] >= 5


@pytest.mark.slow
def test_tiny_snakemake_run(tiny_run):
    cfg = load_yaml(TINY)
    res = tiny_run / "results"
    sec = cfg["ntk"]
    table = pd.read_csv(res / "tables" / "ntk_error.csv")
    assert len(table) == len(sec["widths"]) * sec["seeds"] * 3
    assert set(table["part"]) == {"K", "K_a", "K_b"} and set(table["width"]) == set(sec["widths"])
    assert (table[["rel_frobenius", "rel_spectral"]] > 0).all().all()
    # errors shrink with width (mean over seeds, full kernel)
    mean = table[table["part"] == "K"].groupby("width")["rel_frobenius"].mean()
    assert mean.is_monotonic_decreasing
    exps = pd.read_csv(res / "tables" / "ntk_error_exponent.csv")
    assert (
        len(exps) == 6
        and (exps["ci_low"] < exps["exponent"]).all()
        and (exps["exponent"] < exps["ci_high"]).all()
    )
    assert ((exps["exponent"] > -0.8) & (exps["exponent"] < -0.2)).all()
    checks = pd.read_csv(res / "checks" / "ntk.csv").set_index("check")
    assert set(checks.index) == {"ntk_error_exponent", "analytic_matches_nt"}
    assert (
        bool(checks.loc["analytic_matches_nt", "passed"])
        and checks.loc["analytic_matches_nt", "measured"] < 1e-5
    )
    full = exps[(exps["part"] == "K") & (exps["norm"] == "frobenius")].iloc[0]
    assert checks.loc["ntk_error_exponent", "measured"] == pytest.approx(full["exponent"])
    for fig in ("error_vs_width.png", "kernel_heatmaps.png"):
        assert (res / "figures" / "ntk" / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (res / "tables" / "ntk_error.md").exists() and (res / "tables" / "ntk_error.csv.json").exists()
    assert "width 256" in (res / "logs" / "ntk" / "init_w256.log").read_text()


def test_error_exponent_check_is_three_valued():
    def exps(lo, hi):
        return pd.DataFrame(
            [
                {
                    "part": "K",
                    "norm": "frobenius",
                    "exponent": (lo + hi) / 2,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_seeds": 8,
                    "width_min": 16,
                    "width_max": 4096,
                }
            ]
        )

    verdict = lambda lo, hi: stage.theory_checks(exps(lo, hi), 1e-9, 0.95)[0].verdict
    assert verdict(-0.52, -0.48) == "pass"
    assert verdict(-0.30, -0.25) == "fail"  # an O(m^-1/4) error would fail
    assert verdict(-0.58, -0.45) == "inconclusive"  # the CI reaches outside the tolerance
    assert stage.theory_checks(exps(-0.52, -0.48), 1e-3, 0.95)[1].verdict == "fail"  # closed form vs nt
    rate, closed = stage.theory_checks(exps(-0.52, -0.48), 1e-9, 0.95)
    assert (rate.kind, closed.kind) == ("prediction", "identity")  # closed form vs nt: an identity
    assert rate.interval == "95% t-interval over 8 seeds of the per-seed log-log slope (widths 16..4096)"
    assert closed.interval == ""  # no interval: ci_low / ci_high are NaN
    assert "Arora et al. 2019 (Theorem 3.1)" in rate.detail and "without a rate" in rate.detail
