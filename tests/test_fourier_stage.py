"""Stage fourier: config validation, theory-check logic, tables, and a tiny real Snakemake run."""

import copy
import math

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, load_yaml

from pipeline.config import ConfigError, validate_config
from pipeline.stages import fourier as st


def _tiny():
    return copy.deepcopy(load_yaml(TINY))


def test_unknown_mapping_fails_in_the_schema():
    cfg = _tiny()
    cfg["fourier"]["mappings"] = ["none", "fourier"]
    with pytest.raises(ConfigError, match=r"config key fourier.mappings\[1\]: 'fourier' is not allowed"):
        validate_config(cfg)


@pytest.mark.parametrize(
    "edit, key",
    [
        (lambda f: f.update(imagesets=["photos"]), r"fourier.imagesets\[0\]"),
        (lambda f: f["sweep"].update(sigmas=[1, -2]), r"fourier.sweep.sigmas\[1\]"),
        (lambda f: f.update(lr={"text": {"none": 0.1}}), r"fourier.lr.text"),
        (lambda f: f.update(steps=0), r"fourier.steps"),
        (lambda f: f.update(n_freq=7), r"fourier.n_freq"),
        (lambda f: f.update(learning_rate=0.1), r"unknown key\(s\) \['learning_rate'\]"),
    ],
)
def test_bad_fourier_values_name_the_key(edit, key):
    cfg = _tiny()
    edit(cfg["fourier"])
    with pytest.raises(ConfigError, match=key):
        validate_config(cfg)


def test_image_set_without_images_is_a_config_error():
    cfg = _tiny()
    cfg["data"]["images"]["text"] = 0
    with pytest.raises(ConfigError, match="fourier.imagesets: image set 'text' has no images"):
        validate_config(cfg)
    cfg["fourier"]["imagesets"] = ["natural"]
    validate_config(cfg)


def test_defaults_are_the_paper_protocol():
    cfg = _tiny()
    cfg["fourier"] = {}
    f = validate_config(cfg)["fourier"]
    assert (f["hidden_layers"], f["width"], f["n_freq"], f["steps"]) == (3, 256, 256, 2000)
    assert f["lr"]["natural"]["basic"] == 0.01 and f["lr"]["text"]["basic"] == 0.001
    assert f["sigma"] == {"natural": 10.0, "text": 14.0} and f["pe_scale"] == {"natural": 6.0, "text": 5.0}
    assert math.isinf(f["kernel"]["demo"]["powers"][-1])


def _per_image(values):
    """values: {set: {mapping: [psnr per image]}} -> the per-image table."""
    rows = [
        {"imageset": s, "mapping": m, "image": f"im{i}", "psnr_test": v}
        for s, d in values.items()
        for m, vs in d.items()
        for i, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def test_ordering_check_passes_and_reports_smallest_gap():
    df = _per_image(
        {
            "natural": {
                "none": [10, 12, 11],
                "basic": [12, 13, 12.5],
                "positional": [15, 16, 15.5],
                "gaussian": [16, 16.5, 16.3],
            },
            "text": {
                "none": [9, 9, 9.2],
                "basic": [11, 11, 11.1],
                "positional": [14, 14, 14.2],
                "gaussian": [17, 17, 17.3],
            },
        }
    )
    c = st.ordering_check(df)
    assert c.verdict == "pass" and c.measured == pytest.approx(0.7666666, rel=1e-6)
    assert c.ci_low > 0 and "6 ordered, 0 reversed, 0 unresolved" in c.detail


def test_ordering_check_fails_on_one_swapped_pair():
    df = _per_image(
        {"natural": {"none": [10, 11], "basic": [12, 13], "positional": [16, 17], "gaussian": [15, 16]}}
    )
    c = st.ordering_check(df)
    assert c.verdict == "fail" and c.measured == pytest.approx(-1.0) and "1 reversed" in c.detail


def test_ordering_check_is_inconclusive_on_noise():
    """A positive mean gap whose paired CI straddles 0 is not a pass (issue: +0.05 dB, CI [-1.0, +1.1])."""
    df = _per_image(
        {
            "natural": {
                "none": [10, 11, 12],
                "basic": [13, 14, 15],
                "positional": [15.0, 13.9, 17.25],
                "gaussian": [18, 19, 20],
            }
        }
    )
    c = st.ordering_check(df)
    assert c.verdict == "inconclusive" and c.measured > 0 and c.ci_low < 0 < c.ci_high
    one = _per_image({"natural": {"none": [10], "basic": [12]}})  # one image: no interval
    assert st.ordering_check(one).verdict == "inconclusive"


def test_bandwidth_and_stationarity_checks():
    s = np.array([1.0, 2, 4, 8, 16, 32, 64])
    f = np.array(  # measured at the default (4 draws of B)
        [
            [5.0, 9.5, 18.5, 37.0, 73.0, 144.5, 278.0],
            [5.0, 9.0, 17.0, 33.5, 66.5, 132.0, 255.5],
            [5.0, 9.5, 18.5, 36.0, 72.0, 142.5, 274.5],
            [5.0, 9.5, 19.0, 37.0, 73.5, 145.0, 279.5],
        ]
    )
    ok = st.bandwidth_check({"bw_sigmas": s, "bw_f90": f, "bw_ref_f90": 5.5 * s})
    # must fail: a bandwidth growing like sigma^0.8 (the stated alternative 0.85 and below)
    bad = st.bandwidth_check(
        {"bw_sigmas": s, "bw_f90": 5.0 * s**0.8 * np.array([[1.0], [1.01], [0.99], [1.0]])}
    )
    assert ok.verdict == "pass" and 0.9 < ok.measured < 1.0 and bad.verdict == "fail"
    assert "+0.000" in ok.detail  # the exact reference has no bias
    ntk = {
        "stationarity_none": 0.4,
        "stationarity_basic": 1e-15,
        "stationarity_positional": 1e-9,
        "stationarity_gaussian": 1e-4,
    }
    assert not st.stationarity_check(ntk).passed
    ntk["stationarity_gaussian"] = 1e-9
    assert st.stationarity_check(ntk).passed
    assert st.stationarity_check(ntk).kind == "identity" and ok.kind == "prediction"


def test_psnr_table_puts_the_paper_values_beside_ours():
    arr = {
        "final_train": np.array([20.0, 22.0]),
        "final_test": np.array([18.0, 20.0]),
        "steps": np.array([0, 10]),
        "names": np.array(["a", "b"]),
    }
    meta = {"resolution": 64, "sigma": 1.0, "pe_scale": 3.0, "lr": 1e-3}
    summary, per_image = st.psnr_tables({("text", "gaussian"): (arr, meta), ("text", "none"): (arr, meta)})
    assert summary["mapping"].tolist() == ["none", "gaussian"]
    row = summary.iloc[1]
    assert row.psnr_test_mean == 19.0 and row.psnr_test_std == 1.0
    assert (row.theirs_psnr_mean, row.theirs_psnr_std) == (30.47, 2.11) and "their data" in row.theirs_data
    assert len(per_image) == 4 and per_image["scale"].iloc[2] == 1.0
    assert "theirs" in st._psnr_markdown(summary)


@pytest.mark.slow
def test_tiny_fourier_stage_end_to_end(tiny_run):
    res = tiny_run / "results"
    table = pd.read_csv(res / "tables" / "fourier_psnr.csv")
    assert len(table) == 8 and set(table["mapping"]) == set(st.ORDER)
    assert table["psnr_test_mean"].notna().all() and (table["theirs_psnr_mean"] > 18).all()
    assert "their data" in (res / "tables" / "fourier_psnr.md").read_text()
    checks = pd.read_csv(res / "checks" / "fourier.csv")
    assert checks["check"].tolist() == [
        "fourier_ordering",
        "fourier_bandwidth",
        "fourier_stationary",
    ]
    assert checks.iloc[-1]["passed"]  # the identity holds at any size
    for name in ("reconstructions", "scale_sweep", "training_curves", "ntk_mappings", "power_law_regression"):
        assert (res / "figures" / "fourier" / f"{name}.png").stat().st_size > 10_000
    run = np.load(res / "fourier" / "natural" / "gaussian.npz")
    assert run["recon"].shape == (1, 16, 16, 3) and run["recon"].dtype == np.uint8
    assert len(pd.read_csv(res / "tables" / "fourier_sweep.csv")) == 4  # 2 sigmas + 2 positional scales
    assert "image-step 20/20" in (res / "logs" / "fourier" / "natural_gaussian.log").read_text()
    assert (res / "benchmarks" / "fourier" / "text_none.tsv").exists()
    assert not list(res.rglob("*.tmp*"))


def test_reference_table_is_the_published_one():
    """Tancik et al. 2020: Table 1 means, supplement Table 3 spreads, digit for digit."""
    assert st.THEIRS == {
        "natural": {"none": (19.32, 2.48), "basic": (21.71, 2.71), "positional": (24.95, 3.72),
                    "gaussian": (25.57, 4.19)},
        "text": {"none": (18.40, 2.23), "basic": (20.48, 1.96), "positional": (27.57, 3.07),
                 "gaussian": (30.47, 2.11)},
    }  # fmt: skip


def test_ordering_check_leaves_a_pair_with_a_rising_lower_curve_unresolved():
    """Must not pass: every gap's CI is above 0 but 'none' is still rising (its gap may be speed)."""
    df = _per_image({"natural": {"none": [10, 11, 12], "basic": [13, 14, 15.2]}})
    summary = pd.DataFrame(
        {"imageset": ["natural"] * 2, "mapping": ["none", "basic"], "still_rising": [True, False]}
    )
    assert st.ordering_check(df).verdict == "pass"
    c = st.ordering_check(df, summary)
    assert c.verdict == "inconclusive" and "lower still rising" in c.detail


def test_late_gain_reads_the_last_fifth():
    steps = np.array([0, 20, 40, 60, 80, 100])
    np.testing.assert_allclose(st.late_gain(steps, np.array([[0.0, 5, 8, 9, 9.5, 9.8]])), [0.3])


def test_demo_deviation_is_reported_per_seed_and_not_checked():
    """The demo's net-vs-linearisation deviation is reported (no finite-width tolerance follows from
    the theory): the RMS per seed of a known offset, and no check row."""
    rng = np.random.default_rng(0)
    lin = rng.normal(size=(2, 3, 50))
    nets = lin + np.array([0.1, 0.2, 0.3])[None, :, None]
    ntk = {"demo_powers": np.array([1.0, np.inf]), "demo_nets": nets, "demo_lin": lin,
           "demo_y_test": rng.normal(size=50)}  # fmt: skip
    text = st.demo_deviation(ntk, 64)
    assert "0.200 [" in text and "[0.1, 0.2, 0.3]" in text and "not checked" in text
    assert "no net-vs-linearisation" in st.demo_deviation({**ntk, "demo_powers": np.array([0.0, 1.0])}, 64)
    assert not hasattr(st, "demo_check")
