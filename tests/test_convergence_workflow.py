"""The convergence stage inside the real workflow (tiny config): its rules, outputs and checks."""

import json

import numpy as np
import pytest
from conftest import TINY, load_yaml

from pipeline import io
from pipeline.config import ConfigError, validate_config
from pipeline.stages import convergence as conv


def test_runs_follow_train_section():
    cfg = validate_config(load_yaml(TINY))
    runs = conv.convergence_runs(cfg)
    chosen = cfg["convergence"]["archs"]  # tiny: the two ReLU nets and a GELU net, not the erf control
    expect = [(a, w) for a in chosen for w in sorted(cfg["train"]["archs"][a]["widths"])]
    assert runs == expect and len(cfg["train"]["archs"]) > len(chosen)
    cfg["convergence"]["archs"] = ["two_layer_relu_bias"]
    assert conv.convergence_runs(cfg) == [r for r in expect if r[0] == "two_layer_relu_bias"]


def test_unknown_arch_named():
    cfg = load_yaml(TINY)
    cfg["convergence"]["archs"] = ["no_such_net"]
    with pytest.raises(ConfigError, match=r"convergence.archs\[0\]: 'no_such_net' is not an architecture"):
        validate_config(cfg)


@pytest.mark.slow
def test_tiny_run_outputs(tiny_run):
    res = tiny_run / "results"
    cfg = validate_config(load_yaml(TINY))
    df = io.load_table(res / "tables" / "convergence_rates.csv", required=conv.RATE_COLUMNS)
    assert (res / "tables" / "convergence_rates.md").exists()
    assert sorted(set(zip(df.arch, df.width))) == sorted(conv.convergence_runs(cfg))
    assert df.groupby(["arch", "width"]).seed.nunique().eq(cfg["train"]["seeds"]).all()
    n = cfg["data"]["circle"]["n_train"]
    assert (df.groupby(["arch", "width", "seed", "kernel"]).multiplicity.sum() == n).all()
    checks = io.load_table(res / "checks" / "convergence.csv", required=("check", "measured", "passed"))
    assert checks.check.tolist() == ["rate_agreement", "odd_harmonics_zero", "loss_curve_agreement"]
    assert np.isfinite(checks.measured).all()
    for name in ("rate_error", "spectral_bias", "spectrum", "loss_curves"):
        assert (res / "figures" / "convergence" / f"{name}.png").stat().st_size > 10_000
    meta = json.loads((res / "tables" / "convergence_rates.csv.json").read_text())
    assert meta["config"]["window_decay"] == cfg["convergence"]["window_decay"]
    assert (res / "logs" / "convergence" / "summary.log").read_text().count("check ") == 3


@pytest.mark.slow
def test_tiny_run_gelu_net_with_its_own_kernel(tiny_run):
    """A GELU net goes through train and convergence with its own infinite-width kernel: K_inf
    (neural-tangents' Gelu layer) equals our dual-kernel recursion (ntk_analytic.limit_kernels), and
    on the bias-free circle its odd harmonics k >= 3 have eigenvalue 0 (gelu(u) = u / 2 + an even
    function), unlike a tanh net's even ones (odd function)."""
    import jax.numpy as jnp

    from pipeline.mlp_spec import MLPSpec
    from pipeline.ntk_analytic import limit_kernels
    from pipeline.precision import x64_context

    res = tiny_run / "results"
    cfg = validate_config(load_yaml(TINY))
    kinf = res / "convergence" / "two_layer_gelu" / "kinf.npz"
    k = io.load_npz(kinf, required=("K_inf", "x_train", "spectrum"))
    spec = MLPSpec.from_config(cfg["train"]["archs"]["two_layer_gelu"], 1, k["x_train"].shape[1])
    with x64_context():
        ours = np.asarray(limit_kernels(spec, jnp.asarray(k["x_train"]))["ntk"])
    assert np.allclose(k["K_inf"], ours, rtol=1e-6, atol=1e-9), np.abs(k["K_inf"] - ours).max()
    lam = np.asarray(k["spectrum"])
    assert lam[1] > 0.1 * lam.max() and lam[2] > 1e-3 * lam.max()
    assert np.all(np.abs(lam[3::2]) < 1e-6 * lam.max()), lam
    table = io.load_table(res / "tables" / "convergence_rates.csv", required=conv.RATE_COLUMNS)
    assert (table.arch == "two_layer_gelu").any()
