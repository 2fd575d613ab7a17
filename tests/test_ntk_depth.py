"""Rule ntk_depth: per-depth error exponents, the Hanin & Nica fluctuation estimate, the check's
three verdicts, and the tiny run's outputs."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, load_yaml

from pipeline.stages import ntk_depth as stage

DEPTHS, WIDTHS = [1, 2, 3], [64, 256, 1024, 4096]


def synthetic_errors(exponents, n_seeds=8, noise=0.02, seed=0):
    """errors (D, W, S) = (1 + L/4) m^exponent_L with lognormal noise per (L, m, seed)."""
    rng = np.random.default_rng(seed)
    w = np.asarray(WIDTHS, float)
    out = np.stack([(1 + l / 4) * w[:, None] ** e for l, e in zip(DEPTHS, exponents)])
    return out * np.exp(noise * rng.standard_normal((len(DEPTHS), len(WIDTHS), n_seeds)))


def verdict(errors):
    diag = np.ones(errors.shape + (4,)) + 0.01 * np.arange(errors.shape[-1])[:, None]
    hn = stage.hanin_nica_fit(DEPTHS, WIDTHS, diag)
    _, exps = stage.tables(DEPTHS, WIDTHS, errors, hn["log_ratio"], 0.95)
    return stage.depth_check(exps, hn, 0.95)


def test_check_passes_on_the_law_at_every_depth():
    c = verdict(synthetic_errors([-0.5, -0.5, -0.5]))
    assert c.verdict == "pass" and c.measured == pytest.approx(-0.5, abs=0.02)
    assert "depth 3" in c.detail and "Hanin & Nica" in c.detail
    assert c.kind == "prediction" and c.interval.startswith("95% t-interval over ")
    assert "Jacot et al. 2018, Theorem 1" not in c.detail  # Jacot et al. prove no rate


def test_check_fails_when_one_depth_decays_slower():
    c = verdict(synthetic_errors([-0.5, -0.5, -0.3]))  # depth 3 ~ m^-0.3: fails, and is reported
    assert c.verdict == "fail" and c.measured == pytest.approx(-0.3, abs=0.02)
    assert "depth 3" in c.detail


def test_check_is_inconclusive_on_noise():
    c = verdict(synthetic_errors([-0.5, -0.5, -0.5], n_seeds=3, noise=0.5))
    assert c.verdict == "inconclusive"


def test_moment_ratio_and_hanin_nica_fit_recover_a_known_constant():
    # K(x,x) = mean * (1 + sd * z): E[K^2]/E[K]^2 = 1 + sd^2; choose sd^2 = exp(c L/m) - 1, c = 3
    rng = np.random.default_rng(1)
    beta = np.asarray(DEPTHS, float)[:, None] / np.asarray(WIDTHS, float)[None, :]
    sd = np.sqrt(np.exp(3.0 * beta) - 1)
    z = rng.standard_normal((len(DEPTHS), len(WIDTHS), 4000, 5))
    diag = 2.0 * (1 + sd[..., None, None] * z)
    np.testing.assert_allclose(stage.log_moment_ratio(diag), 3.0 * beta, rtol=0.1)
    hn = stage.hanin_nica_fit(DEPTHS, WIDTHS, diag)
    assert hn["c"] == pytest.approx(3.0, rel=0.05) and hn["ci_low"] < 3.0 < hn["ci_high"]


def test_sweep_converges_at_every_depth():
    """Real empirical kernels: at each depth the error shrinks with width, roughly like m^-1/2."""
    net = {"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": None, "input_scaling": "unscaled"}
    theta = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    x = np.stack([np.cos(theta), np.sin(theta)], 1)
    cfg = {"depths": [1, 3], "widths": [32, 512], "seeds": 4}
    errors, diag = stage.sweep(x, net, cfg, seed=0, x64=False)
    assert errors.shape == (2, 2, 4) and diag.shape == (2, 2, 4, 12)
    slope = np.log(errors[:, 1].mean(-1) / errors[:, 0].mean(-1)) / np.log(16)
    assert ((slope > -0.8) & (slope < -0.25)).all(), slope
    assert (errors[1].mean(-1) > errors[0].mean(-1)).all()  # deeper: larger error at equal width


@pytest.mark.slow
def test_tiny_run_depth_outputs(tiny_run):
    sw = load_yaml(TINY)["ntk"]["depth_sweep"]
    res = tiny_run / "results"
    table = pd.read_csv(res / "tables" / "ntk_depth.csv")
    assert len(table) == len(sw["depths"]) * len(sw["widths"])
    exps = pd.read_csv(res / "tables" / "ntk_depth_exponent.csv")
    assert list(exps["depth"]) == sw["depths"] and set(exps["verdict"]) <= {"pass", "fail", "inconclusive"}
    check = pd.read_csv(res / "checks" / "ntk_depth.csv").iloc[0]
    assert check["check"] == "ntk_error_exponent_depth" and check["measured"] in set(exps["exponent"])
    assert (res / "figures" / "ntk" / "error_vs_width_depth.png").read_bytes()[:4] == b"\x89PNG"
