"""tools/gpu_check.py --tiny on the CPU: every part runs, the JSON has sizes, rates and memory (< 60 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.integration
def test_gpu_check_tiny_on_cpu(tmp_path):
    out = tmp_path / "gpu_check.json"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gpu_check.py"), "--tiny", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads(out.read_text())
    assert res["platform"] == "cpu" and res["tiny"]
    parts = {r["part"]: r for r in res["parts"] if "skipped" not in r}
    assert set(parts) == {"train", "ntk", "fourier"}
    for r in parts.values():
        assert r["gflops_per_s"] > 0 and r["peak_memory_mb"] > 0
    assert parts["train"]["steps_per_s"] > 0 and parts["fourier"]["steps_per_s"] > 0
    assert "devices:" in proc.stdout and "GFLOP/s" in proc.stdout
