"""Helpers for the reliability tests: compare two results/ folders, find leftovers of a crash.

Compared (must be identical): every results/tables/*.csv except the run-specific ones in
VOLATILE_TABLES, every results/checks/*.csv, and every array of every results/**/*.npz except
timings (VOLATILE_ARRAYS: shape and dtype only).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

# tables that describe the run itself, not its results (they legitimately differ between runs)
VOLATILE_TABLES = {
    "wall_times.csv": "wall-clock and CPU times per rule",
    "provenance.csv": "run date, config file paths, host",
    "provenance_outputs.csv": "git commit of each output (differs across commits)",
}

# arrays that measure the run, not the result (compared for shape and dtype only)
VOLATILE_ARRAYS = {
    "seconds": "wall-clock time of a fit (fourier stage)",
}


def compared_files(results: Path) -> list[str]:
    """Paths (relative to ``results``) of the CSV tables, check files and .npz arrays."""
    results = Path(results)
    files = [p for p in results.glob("tables/*.csv") if p.name not in VOLATILE_TABLES]
    files += list(results.glob("checks/*.csv"))
    files += [p for p in results.rglob("*.npz") if not is_temp_file(p)]
    return sorted(str(p.relative_to(results)) for p in files)


def assert_same_results(ref: Path, new: Path, subset: bool = False) -> list[str]:
    """Assert that ``new`` holds exactly the tables and arrays of ``ref`` (bit for bit); with
    ``subset``, that every table and array ``new`` has (a run of some targets only) is in ``ref``
    and equal there.

    Returns the compared relative paths.
    """
    ref, new = Path(ref), Path(new)
    files_ref, files_new = compared_files(ref), compared_files(new)
    assert files_ref, f"no tables/checks/arrays under {ref}"
    if subset:
        assert files_new, f"no tables/checks/arrays under {new}"
        missing = sorted(set(files_new) - set(files_ref))
        assert not missing, f"only in {new}: {missing}"
        files_ref = files_new
    assert files_ref == files_new, (
        f"different result files:\n only in {ref}: "
        f"{sorted(set(files_ref) - set(files_new))}\n only in {new}: "
        f"{sorted(set(files_new) - set(files_ref))}"
    )
    for rel in files_ref:
        a, b = ref / rel, new / rel
        if rel.endswith(".csv"):
            pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b), check_exact=True, obj=rel)
        else:
            with np.load(a, allow_pickle=False) as da, np.load(b, allow_pickle=False) as db:
                assert sorted(da.files) == sorted(db.files), f"{rel}: arrays {da.files} vs {db.files}"
                for key in da.files:
                    x, y = da[key], db[key]
                    assert x.dtype == y.dtype and x.shape == y.shape, (
                        f"{rel}[{key}]: {x.dtype}{x.shape} vs {y.dtype}{y.shape}"
                    )
                    if key in VOLATILE_ARRAYS:
                        continue
                    same = np.array_equal(x, y, equal_nan=x.dtype.kind in "fc")
                    if not same:
                        diff = (
                            np.max(np.abs(x.astype(float) - y.astype(float)))
                            if x.dtype.kind in "fciu"
                            else "n/a"
                        )
                        raise AssertionError(f"{rel}[{key}] differs (max abs difference {diff})")
    return files_ref


def is_temp_file(path: Path) -> bool:
    """A temporary file of pipeline.io.atomic_path (``.<name>.<random>.tmp<suffix>``)."""
    name = Path(path).name
    return name.startswith(".") and ".tmp" in name


def temp_files(results: Path) -> list[Path]:
    return sorted(p for p in Path(results).rglob("*") if p.is_file() and is_temp_file(p))


def file_digest(path: Path) -> tuple[int, str]:
    """(mtime in ns, sha256) of a file: both stay unchanged unless the file is rewritten."""
    return os.stat(path).st_mtime_ns, hashlib.sha256(Path(path).read_bytes()).hexdigest()


def planned_jobs(workdir: Path, configfile: Path, *args: str) -> dict[str, int]:
    """Rule -> number of jobs a dry-run of ``rule all`` (or ``args``) would run in ``workdir``."""
    import re

    from conftest import run_snakemake

    # targets first: after `--quiet rules` they would be read as more --quiet values
    out = run_snakemake(workdir, configfile, *args, "-n", "--quiet", "rules").stdout
    jobs = {}
    for m in re.finditer(r"^(\w+)\s+(\d+)$", out, flags=re.M):
        if m.group(1) != "total":
            jobs[m.group(1)] = int(m.group(2))
    return jobs
