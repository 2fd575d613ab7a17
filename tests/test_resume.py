"""Resume after a crash: SIGKILL the whole snakemake process group in the middle of a job (a
`train` job when that stage exists), unlock, rerun, and check that

- every file that existed when the run was killed and was not an output of an interrupted job is
  a complete, readable file (writes go to a temp file + rename), and is not rewritten by the rerun;
- the interrupted jobs are rerun (default profile: rerun-incomplete) and the final tables and
  arrays equal those of an uninterrupted run;
- no temporary file or incomplete marker is left.
"""

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SNAKEFILE, SNAKEMAKE, TINY, run_snakemake
from results_check import assert_same_results, file_digest, is_temp_file, planned_jobs, temp_files

from pipeline import io

PREFERRED_VICTIM = "results/train/"  # outputs of rule train: results/train/{arch}/w{width}.npz
# The run that is killed and resumed: the data and train stages of the tiny config (the resume
# logic is snakemake's and the atomic writes are one helper, the same for every rule; the whole
# DAG runs uninterrupted in the shared `tiny_run`, and this subset is compared against it).
TARGETS = ("results/checks/train.csv",)


def incomplete_outputs(workdir: Path) -> set[str]:
    """Outputs (relative to workdir) of the jobs snakemake marked as started but not finished."""
    root = workdir / ".snakemake" / "incomplete"
    out = set()
    if not root.is_dir():
        return out
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name == "migration_underway":
                continue
            parts = Path(dirpath, name).relative_to(root).parts  # long ids are split into "@" dirs
            b64 = "".join(p.lstrip("@") for p in parts)
            try:
                out.add(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode())
            except ValueError:
                continue
    return out


def start_run(workdir: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, XLA_PYTHON_CLIENT_PREALLOCATE="false")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        "--configfile",
        str(TINY),
        "--cores",
        "2",
        *TARGETS,
    ]
    with open(log, "w") as fh:  # own process group: killpg reaches every job it started
        return subprocess.Popen(
            cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True
        )


def kill_mid_job(
    proc: subprocess.Popen, workdir: Path, log: Path, want_train: bool, timeout: float = 900
) -> set[str]:
    """Wait until a job is running while another has finished (a `train` job if ``want_train``),
    then SIGKILL the process group. Returns the outputs of the interrupted jobs."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"the run ended (rc {proc.returncode}) before a job could be interrupted:\n"
                + log.read_text()[-3000:]
            )
        assert time.monotonic() < deadline, "no job to interrupt within the time limit"
        running = incomplete_outputs(workdir)
        done = [p for p in (workdir / "results" / "data").glob("*.npz") if not is_temp_file(p)]
        victims = {p for p in running if p.startswith(PREFERRED_VICTIM)} if want_train else running
        if victims and done:
            time.sleep(0.5)  # inside the job (the script is still importing/computing)
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return incomplete_outputs(workdir)


def finished_files(workdir: Path, interrupted: set[str]) -> dict[str, tuple[int, str]]:
    """Digest of every result file of a finished job (logs and benchmarks excluded)."""
    out = {}
    for path in (workdir / "results").rglob("*"):
        rel = str(path.relative_to(workdir))
        if (
            not path.is_file()
            or is_temp_file(path)
            or rel.startswith(("results/logs/", "results/benchmarks/"))
            or any(rel.startswith(v) for v in interrupted)
        ):  # also <output>.json sidecars
            continue
        out[rel] = file_digest(path)
    return out


def assert_readable(path: Path) -> None:
    if path.suffix == ".npz":
        io.load_npz(path)
    elif path.suffix == ".csv":
        io.load_table(path)
    elif path.suffix == ".json":
        io.load_json(path)


@pytest.mark.slow
@pytest.mark.reliability
def test_resume_after_sigkill(tmp_path, tiny_run):
    want_train = "train" in planned_jobs(tmp_path, TINY, *TARGETS)
    log = tmp_path / "killed_run.log"
    proc = start_run(tmp_path, log)
    try:
        interrupted = kill_mid_job(proc, tmp_path, log, want_train)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    assert interrupted, "the kill did not hit a running job:\n" + log.read_text()[-3000:]
    finished = finished_files(tmp_path, interrupted)
    assert finished, "no job had finished when the run was killed"
    for rel in finished:  # nothing half-written looks complete
        assert_readable(tmp_path / rel)

    # after SIGKILL the lock stays behind: `snakemake --unlock`, then the same command again
    run_snakemake(tmp_path, TINY, "--unlock")
    rerun = run_snakemake(tmp_path, TINY, *TARGETS)
    for rel in interrupted:
        assert (tmp_path / rel).exists(), f"interrupted output {rel} was not recomputed"
    changed = [rel for rel, digest in finished.items() if file_digest(tmp_path / rel) != digest]
    assert not changed, f"finished outputs were recomputed: {changed}\n{rerun.stderr[-3000:]}"

    assert_same_results(tiny_run / "results", tmp_path / "results", subset=True)
    assert not temp_files(tmp_path / "results")
    assert not incomplete_outputs(tmp_path)
