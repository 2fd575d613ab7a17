"""Determinism: the same config and seed give bit-identical tables, checks and arrays (on CPU).

The second run is the one of tests/test_resume.py: every job of the tiny config runs again in a new
working directory (some in the killed run, the rest after the resume), and its tables, checks and
arrays are compared bit for bit with the reference run (``tiny_run``) by ``assert_same_results``.
This module checks that the comparison itself can fail.
"""

import pytest
from results_check import assert_same_results, compared_files


@pytest.mark.slow
@pytest.mark.reliability
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
