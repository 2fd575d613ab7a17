"""Shared test fixtures: the repository root, tiny configs, and a runner for real Snakemake runs."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAKEFILE = ROOT / "workflow" / "Snakefile"
TINY = ROOT / "tests" / "configs" / "tiny.yaml"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def load_yaml(path) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


@pytest.fixture
def tiny_config() -> dict:
    """A fresh copy of the tiny test config (edit freely)."""
    return copy.deepcopy(load_yaml(TINY))


def run_snakemake(
    workdir: Path, configfile: Path, *args: str, timeout: int = 1200, check: bool = True
) -> subprocess.CompletedProcess:
    """Run the real workflow in ``workdir`` with ``configfile``; returns the finished process."""
    env = dict(os.environ, XLA_PYTHON_CLIENT_PREALLOCATE="false")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "2",
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def write_config(tmp_path: Path, cfg: dict, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """Working directory of ONE uninterrupted local run of the tiny config, shared by the
    reliability tests (determinism, resume, SLURM, corrupt input): read it, or copy it first."""
    workdir = tmp_path_factory.mktemp("tiny_reference")
    run_snakemake(workdir, TINY)
    return workdir


def set_key(*path_and_value):
    """A config edit: set cfg[path...] = value (the last argument), creating missing sections."""
    *path, value = path_and_value

    def edit(cfg):
        node = cfg
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return edit


def del_key(*path):
    """A config edit: delete cfg[path...]."""

    def edit(cfg):
        node = cfg
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit
