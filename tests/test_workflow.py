"""The real Snakemake workflow: dry-runs of the full DAG, lint, a bad config, a tiny end-to-end run."""

import json

import numpy as np
import pytest
from conftest import ROOT, SNAKEFILE, SNAKEMAKE, TINY, load_yaml, run_snakemake, write_config


@pytest.mark.integration
@pytest.mark.parametrize("config", ["config/config.yaml", "config/paper.yaml"])
def test_dry_run_full_dag(tmp_path, config):
    proc = run_snakemake(tmp_path, ROOT / config, "-n", "--quiet", "rules")
    assert "data_synthetic" in proc.stdout and "data_images" in proc.stdout


@pytest.mark.integration
def test_lint_clean(tmp_path):
    import subprocess

    proc = subprocess.run(
        [SNAKEMAKE, "--snakefile", str(SNAKEFILE), "--lint"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert "Congratulations" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.integration
def test_bad_config_fails_before_any_job(tmp_path):
    cfg = load_yaml(TINY)
    cfg["data"]["circle"]["n_train"] = -5
    proc = run_snakemake(tmp_path, write_config(tmp_path, cfg), check=False)
    assert proc.returncode != 0
    assert "config key data.circle.n_train: -5" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_tiny_end_to_end(tiny_run):
    res = tiny_run / "results"
    circle = np.load(res / "data" / "circle.npz")
    assert circle["x_train"].shape == (16, 2)
    meta = json.loads((res / "data" / "circle.npz.json").read_text())
    assert meta["config"]["n_train"] == 16 and meta["versions"]["jax"] == "0.5.3"
    assert (res / "data" / "images_text.npz").exists()
    assert (res / "logs" / "data" / "circle.log").read_text().strip()
    assert (res / "benchmarks" / "data" / "circle.tsv").exists()
    # nothing temporary left behind
    assert not list(res.rglob("*.tmp*"))


@pytest.mark.integration
def test_gpu_rules_routed_to_the_gpu_partition(tmp_path, monkeypatch):
    """Every rule declaring gpu=1 (and only those) gets slurm_partition from NTK_SLURM_GPU_PARTITION."""
    import re

    monkeypatch.setenv("NTK_SLURM_GPU_PARTITION", "gpuq")
    # a profile's default partition (as workflow/profiles/slurm sets from NTK_SLURM_PARTITION) must not win
    out = run_snakemake(tmp_path, TINY, "-n", "--default-resources", "slurm_partition=cpuq").stdout
    jobs = re.split(r"\n(?=(?:local)?rule \w+:)", out)
    routed = {
        re.match(r"(?:local)?rule (\w+):", j).group(1): "slurm_partition=gpuq" in j
        for j in jobs
        if re.match(r"(?:local)?rule \w+:", j)
    }
    gpu = {
        re.match(r"(?:local)?rule (\w+):", j).group(1)
        for j in jobs
        if re.match(r"(?:local)?rule \w+:", j) and re.search(r"resources:.*\bgpu=1", j)
    }
    assert gpu and {r for r, ok in routed.items() if ok} == gpu, (gpu, routed)
