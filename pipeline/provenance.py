"""Provenance: which code, packages, device and config produced an output."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

PACKAGES = (
    "ntk-pipeline",
    "jax",
    "jaxlib",
    "neural-tangents",
    "optax",
    "numpy",
    "scipy",
    "pandas",
    "seaborn",
    "matplotlib",
    "scikit-image",
    "snakemake",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape our numbers (None when absent)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.cache
def git_commit() -> str | None:
    """The commit of the checkout holding this package (with '-dirty' if modified), or None."""
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_description() -> dict[str, str]:
    """The JAX backend and device kind (GPU name or CPU model); imports jax."""
    import jax

    dev = jax.devices()[0]
    kind = dev.device_kind if dev.platform != "cpu" else cpu_model()
    return {
        "backend": dev.platform,
        "device": kind,
        "device_count": str(jax.device_count()),
        "cpu_count": str(os.cpu_count()),
    }


def config_hash(cfg: dict) -> str:
    """Short stable hash of a (JSON-serialisable) config or config section."""
    blob = json.dumps(cfg, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def metadata(config: dict | None = None, **extra) -> dict:
    """The provenance record written beside every output."""
    meta = {"versions": package_versions(), "git_commit": git_commit(), "device": device_description()}
    if config is not None:
        meta["config_hash"] = config_hash(config)
        meta["config"] = config
    meta.update(extra)
    return meta


def device_text(dev) -> str:
    if not isinstance(dev, dict):
        return str(dev) if dev else ""
    return str(dev.get("device") or "")
