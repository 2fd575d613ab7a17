"""Determinism: the same config and seed give bit-identical tables, checks and arrays (on CPU)."""

import pytest

from conftest import TINY, run_snakemake
from results_check import assert_same_results, compared_files


@pytest.mark.slow
@pytest.mark.reliability
def test_two_runs_of_tiny_config_are_identical(tmp_path, tiny_run):
    run_snakemake(tmp_path, TINY)
    compared = assert_same_results(tiny_run / "results", tmp_path / "results")
    # the comparison covers every stage that has landed: data arrays at least, and the tables
    assert any(f.startswith("data/") for f in compared), compared
    assert any(f.startswith(("tables/", "checks/")) for f in compared), compared


def test_comparison_detects_a_changed_number(tmp_path, tiny_run):
    """assert_same_results can fail: one float changed in one array is caught."""
    import shutil

    import numpy as np

    shutil.copytree(tiny_run / "results", tmp_path / "results")
    path = tmp_path / "results" / "data" / "circle.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["y_train"] = arrays["y_train"].copy()
    arrays["y_train"].flat[0] = np.nextafter(arrays["y_train"].flat[0], np.inf)
    np.savez(path, **arrays)
    assert "data/circle.npz" in compared_files(tmp_path / "results")
    with pytest.raises(AssertionError, match=r"circle.npz\[y_train\] differs"):
        assert_same_results(tiny_run / "results", tmp_path / "results")
