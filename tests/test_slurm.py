"""The pipeline on a real (single-node, localhost) SLURM cluster through the project's SLURM profile.

The fixture starts munge + slurmctld + slurmd with tools/slurm/start-local-slurm.sh (installing the
Debian packages when missing; 2 placeholder GPUs and a second partition `gpu`) and stops what it
started at the end of the test session, also when the test fails. The test runs the data and ntk
stages of the tiny config with `--workflow-profile workflow/profiles/slurm` (every job an sbatch
job, job states polled with squeue: no slurmdbd; partitions from NTK_SLURM_PARTITION /
NTK_SLURM_GPU_PARTITION) and checks that the tables and arrays equal those of the local run, that
every job went through SLURM and completed there, and that exactly the rules with resources gpu=1
asked for a GPU (sbatch --gpus=1) and ran in the GPU partition (routed by the Snakefile from the
rules themselves).
"""

import fcntl
import os
import re
import subprocess

import pytest
from conftest import ROOT, TINY, run_snakemake
from results_check import assert_same_results, temp_files

START = ROOT / "tools" / "slurm" / "start-local-slurm.sh"
STOP = ROOT / "tools" / "slurm" / "stop-local-slurm.sh"
PROFILE = ROOT / "workflow" / "profiles" / "slurm"


def _slurm_up() -> bool:
    try:
        return (
            subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=20).stdout.count(
                "is UP"
            )
            > 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


# Session scope: the daemons stay up until the test session ends. Once SLURM is installed, every
# Snakemake start loads the SLURM executor plugin, which asks `scontrol show config`: with the
# daemons stopped that call waits ~9 s for its time-out, in every later test that starts Snakemake.
@pytest.fixture(scope="session")
def local_slurm():
    if os.geteuid() != 0:
        pytest.skip("needs root: the test installs SLURM (apt) and starts munged/slurmctld/slurmd")
    with open("/run/ntk-pipeline-local-slurm.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one such test per machine at a time (shared daemons)
        was_up = _slurm_up()
        # MinJobAge 2 h: the test reads every job's final state from squeue after the run
        env = dict(
            os.environ,
            LOCAL_SLURM_GPUS="2",
            LOCAL_SLURM_GPU_PARTITION="gpu",
            LOCAL_SLURM_MINJOBAGE="7200",
            READY_TIMEOUT="120",
        )
        proc = subprocess.run(["bash", str(START)], capture_output=True, text=True, env=env, timeout=900)
        log = proc.stdout + proc.stderr
        if proc.returncode == 3:
            pytest.skip("the SLURM Debian packages could not be installed (apt-get failed):\n" + log[-2000:])
        if proc.returncode == 4:
            pytest.skip(
                "a SLURM configuration not written by tools/slurm/start-local-slurm.sh exists "
                "(a real cluster node?); not touching it:\n" + log[-1000:]
            )
        try:
            assert proc.returncode == 0, f"start-local-slurm.sh failed ({proc.returncode}):\n{log[-4000:]}"
            yield log
        finally:
            if not was_up:  # stop what this fixture started, by PID, even when the test failed
                subprocess.run(["bash", str(STOP), "--purge"], capture_output=True, timeout=300)


# The submission path is the same for every rule: the data and ntk stages (CPU data jobs, the GPU
# rule ntk_init, the CPU summary) exercise both partitions, the resources and the status polling in
# a fraction of the tiny run's time; every rule's resources are checked by tests/test_workflow.py.
SLURM_TARGETS = ("results/checks/ntk.csv",)


def planned(dry_run_output: str) -> list[tuple[str, bool, bool]]:
    """(rule, local?, gpu?) of every job in snakemake's dry-run listing."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", dry_run_output):
        m = re.match(r"(local)?rule (\w+):", block)
        if m:
            jobs.append((m.group(2), bool(m.group(1)), bool(re.search(r"resources:.*\bgpu=[1-9]", block))))
    return jobs


@pytest.mark.slow
@pytest.mark.slurm
def test_tiny_config_on_slurm_equals_local_run(tmp_path, tiny_run, local_slurm):
    site = {
        "NTK_SLURM_CPUS_PER_GPU": "1",  # the test node has 2 cores
        "NTK_SLURM_PARTITION": "debug",
        "NTK_SLURM_GPU_PARTITION": "gpu",
    }
    os.environ.update(site)
    try:
        dry = run_snakemake(tmp_path, TINY, "--workflow-profile", str(PROFILE), "-n", *SLURM_TARGETS)
        proc = run_snakemake(
            tmp_path,
            TINY,
            *SLURM_TARGETS,
            "--workflow-profile",
            str(PROFILE),
            "--slurm-init-seconds-before-status-checks",
            "2",
            "--jobs",
            "4",
            timeout=1800,
        )
    finally:
        for key in site:
            os.environ.pop(key, None)
    out = proc.stdout + proc.stderr
    local_rules = set(re.findall(r"^localrule (\w+):", out, flags=re.M))  # e.g. `all`
    jobs = planned(dry.stdout + dry.stderr)
    remote = [(rule, gpu) for rule, local, gpu in jobs if not local and rule not in local_rules]
    gpu_rules = {rule for rule, gpu in remote if gpu}
    assert remote, dry.stdout[-3000:]

    # every non-local job was an sbatch job, SLURM saw each complete, GPU rules asked for a GPU
    submitted = re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", out)
    assert len(submitted) == len(remote), f"{len(submitted)} SLURM jobs for {remote}:\n{out[-3000:]}"
    assert gpu_rules, "no GPU rule in the DAG: the GPU partition routing is untested"
    fields = "JobID:|,State:|,tres-per-job:|,Partition:|,Comment:|"
    rows = subprocess.run(
        ["squeue", "-h", "--states=all", "-O", fields], capture_output=True, text=True, timeout=60
    ).stdout.splitlines()
    by_id = {r.split("|")[0].strip(): [f.strip() for f in r.split("|")] for r in rows if r.strip()}
    seen = []
    for jobid in submitted:
        assert jobid in by_id, f"SLURM job {jobid} no longer in squeue (MinJobAge too short?)"
        _, state, tres, partition, comment, _ = by_id[jobid]
        assert state == "COMPLETED", by_id[jobid]
        rule = re.match(r"rule_(\w+?)(?:_wildcards_.*)?$", comment).group(1)
        gpu = rule in gpu_rules
        assert ("gpu" in tres) == gpu, f"{rule}: tres-per-job {tres!r}, gpu rules {gpu_rules}"
        assert partition == ("gpu" if gpu else "debug"), f"{rule} ran in partition {partition}"
        seen.append(rule)
    assert sorted(seen) == sorted(rule for rule, _ in remote)

    assert_same_results(tiny_run / "results", tmp_path / "results", subset=True)
    assert not temp_files(tmp_path / "results")
