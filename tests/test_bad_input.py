"""Bad input is rejected early and clearly, and leaves nothing partial behind.

1. Bad configs (>= 20, across the stages' sections) fail in pipeline.config.validate_config with
   one message naming the key and what is allowed; a few also through the real `snakemake`,
   before any job runs and without creating results/.
2. A corrupt intermediate file (a truncated results/data/*.npz, newer than its consumers) makes its
   consumer fail with a message naming the file (pipeline.io.load_npz -> CorruptFileError); the
   failed job leaves no output, no temporary file and no incomplete marker.
"""

import copy
import os
import re
import shutil
import time

import pytest
from conftest import TINY, load_yaml, run_snakemake, write_config
from conftest import del_key as _del
from conftest import set_key as _set
from results_check import is_temp_file, planned_jobs, temp_files

from pipeline import activations, io
from pipeline.config import ConfigError, validate_config

# name -> (edit of the tiny config, the key the message must name, what it must say is allowed)
MINIMUM = "violates minimum"
TYPE = "has the wrong type; expected"
ALLOWED = "allowed values:"
KEYS = "allowed keys:"
BAD = {
    # top level
    "unknown top-level key": (_set("widths", [8, 16]), "config key <config>", KEYS),
    "seed negative": (_set("seed", -1), "config key seed", MINIMUM + " = 0"),
    "seed not an integer": (_set("seed", 1.5), "config key seed", TYPE + " integer"),
    "strict not a boolean": (_set("strict", "yes"), "config key strict", TYPE + " boolean"),
    "results not a string": (_set("results", 3), "config key results", TYPE + " string"),
    "section missing": (_del("train"), "config key <config>", "'train' is a required property"),
    "section not a mapping": (_set("data", [1, 2]), "config key data", TYPE + " object"),
    # data
    "n_train negative": (_set("data", "circle", "n_train", -3), "config key data.circle.n_train", MINIMUM),
    "n_train not an integer": (
        _set("data", "circle", "n_train", 6.5),
        "config key data.circle.n_train",
        TYPE + " integer",
    ),
    "n_test a string": (
        _set("data", "circle", "n_test", "many"),
        "config key data.circle.n_test",
        TYPE + " integer",
    ),
    "empty harmonics": (
        _set("data", "circle", "harmonics", []),
        "config key data.circle.harmonics",
        "needs at least 1 item",
    ),
    "amplitudes per harmonic": (
        _set("data", "circle", "amplitudes", [1.0]),
        "config key data.circle.amplitudes",
        "give one per harmonic",
    ),
    "unknown data set": (_set("data", "mnist", {}), "config key data", KEYS),
    "unknown image": (
        _set("data", "images", "natural", ["lena"]),
        "config key data.images.natural[0]",
        ALLOWED,
    ),
    "odd image resolution": (
        _set("data", "images", "resolution", 63),
        "config key data.images.resolution",
        "multiple of 2",
    ),
    "missing image file": (
        _set("data", "images", "files", ["/no/such/image.png"]),
        "config key data.images.files[0]",
        "does not exist",
    ),
    "sphere dimension 1": (_set("data", "sphere", "dim", 1), "config key data.sphere.dim", MINIMUM + " = 2"),
    # ntk
    "ntk widths empty": (_set("ntk", "widths", []), "config key ntk.widths", "needs at least 2 item"),
    "ntk unknown data set": (_set("ntk", "dataset", "mnist"), "config key ntk.dataset", ALLOWED),
    "renamed input_scaling value": (
        _set("ntk", "net", "input_scaling", "seed"),
        "config key ntk.net.input_scaling",
        "'seed' was renamed to 'unscaled'",
    ),
    "ntk depth 0": (_set("ntk", "net", "depth", 0), "config key ntk.net.depth", MINIMUM + " = 1"),
    "ntk unknown activation": (
        _set("ntk", "net", "activation", "swish"),
        "config key ntk.net.activation",
        ALLOWED + f" {list(activations.NAMES)}",
    ),
    "ntk heatmap width not swept": (
        _set("ntk", "heatmap_widths", [16, 99]),
        "config key ntk.heatmap_widths[1]",
        "is not in ntk.widths",
    ),
    # train
    "negative width": (
        _set("train", "archs", "two_layer_relu", "widths", [16, -64]),
        "config key train.archs.two_layer_relu.widths[1]",
        MINIMUM + " = 1",
    ),
    "non-integer width": (
        _set("train", "archs", "two_layer_relu", "widths", [16, 64.5]),
        "config key train.archs.two_layer_relu.widths[1]",
        TYPE + " integer",
    ),
    "train unknown activation": (
        _set("train", "archs", "two_layer_relu", "activation", "swish"),
        "config key train.archs.two_layer_relu.activation",
        ALLOWED + f" {list(activations.NAMES)}",
    ),
    "train depth 0": (
        _set("train", "archs", "two_layer_relu", "depth", 0),
        "config key train.archs.two_layer_relu.depth",
        MINIMUM + " = 1",
    ),
    "learning rate 0": (_set("train", "lr", 0), "config key train.lr", "violates exclusiveMinimum = 0"),
    "learning rate negative": (
        _set("train", "lr", -0.5),
        "config key train.lr",
        "violates exclusiveMinimum = 0",
    ),
    "no seeds": (_set("train", "seeds", 0), "config key train.seeds", MINIMUM + " = 1"),
    "no architectures": (_set("train", "archs", {}), "config key train.archs", "should be non-empty"),
    "train unknown key": (_set("train", "epochs", 10), "config key train", KEYS),
    "check_arch not an arch": (
        _set("train", "check_arch", "resnet"),
        "config key train.check_arch",
        "is not an architecture of train.archs",
    ),
    # convergence
    "convergence empty arch list": (
        _set("convergence", "archs", []),
        "config key convergence.archs",
        "needs at least 1 item",
    ),
    "convergence unknown arch": (
        _set("convergence", "archs", ["resnet"]),
        "config key convergence.archs[0]",
        "is not an architecture of train.archs",
    ),
    "convergence tolerance >= 1": (
        _set("convergence", "group_rtol", 1.5),
        "config key convergence.group_rtol",
        "violates exclusiveMaximum = 1",
    ),
    # fourier
    "unknown mapping": (
        _set("fourier", "mappings", ["none", "fourier"]),
        "config key fourier.mappings[1]",
        ALLOWED + " ['none', 'basic', 'positional', 'gaussian']",
    ),
    "unknown image set": (
        _set("fourier", "imagesets", ["photos"]),
        "config key fourier.imagesets[0]",
        ALLOWED,
    ),
    "fourier width a string": (
        _set("fourier", "width", "wide"),
        "config key fourier.width",
        TYPE + " integer",
    ),
    "fourier learning rate negative": (
        _set(
            "fourier",
            "lr",
            {"natural": {"none": -0.01, "basic": 0.01, "positional": 0.001, "gaussian": 0.001}},
        ),
        "config key fourier.lr.natural.none",
        "violates exclusiveMinimum = 0",
    ),
    "odd number of frequencies": (_set("fourier", "n_freq", 7), "config key fourier.n_freq", "multiple of 2"),
    # report
    "digits not an integer": (
        _set("report", "digits", "four"),
        "config key report.digits",
        TYPE + " integer",
    ),
    "missing extra checks file": (
        _set("report", "extra_checks", ["/no/such/checks.csv"]),
        "config key report.extra_checks[0]",
        "does not exist",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_rejected_naming_key_and_allowed(case):
    edit, key, allowed = BAD[case]
    cfg = copy.deepcopy(load_yaml(TINY))
    validate_config(copy.deepcopy(cfg))  # the unedited tiny config is valid
    edit(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    msg = str(err.value)
    assert "\n" not in msg, msg  # one line
    assert key in msg and allowed in msg, msg


def test_at_least_20_bad_configs():
    assert len(BAD) >= 20, len(BAD)


SNAKEMAKE_CASES = ["negative width", "unknown mapping", "train unknown activation", "missing image file"]


@pytest.mark.integration
@pytest.mark.parametrize("case", SNAKEMAKE_CASES)
def test_bad_config_stops_snakemake_before_any_job(tmp_path, case):
    edit, key, allowed = BAD[case]
    cfg = copy.deepcopy(load_yaml(TINY))
    edit(cfg)
    args = ("-n",) if case != SNAKEMAKE_CASES[0] else ()  # one real run, the others dry
    proc = run_snakemake(tmp_path, write_config(tmp_path, cfg), *args, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-2000:]
    assert key in out and allowed in out, out[-2000:]
    assert "Job stats" not in out and "rule " not in proc.stdout, out[-2000:]  # no job planned
    assert not (tmp_path / "results").exists()


def _error_outputs(out: str) -> list[str]:
    """Output files of the failed jobs, from snakemake's 'Error in rule' blocks."""
    files = []
    for block in out.split("Error in rule ")[1:]:
        m = re.search(r"^\s+output: (.+)$", block, flags=re.M)
        if m:
            files += [f.strip() for f in m.group(1).split(",")]
    return files


@pytest.mark.slow
@pytest.mark.reliability
def test_corrupt_intermediate_fails_naming_the_file(tmp_path, tiny_run):
    work = tmp_path / "run"
    shutil.copytree(tiny_run, work, symlinks=True)  # copy2: keeps the mtimes
    producers = {"data_synthetic", "data_images"}
    for name in ["circle", "sphere", "gaussian_product", "images_natural", "images_text"]:
        victim = work / "results" / "data" / f"{name}.npz"
        original = victim.read_bytes()
        victim.write_bytes(original[: len(original) // 2])  # truncated, e.g. a full disk
        later = time.time() + 5
        os.utime(victim, (later, later))
        consumers = set(planned_jobs(work, TINY)) - producers - {"all"}
        if consumers - {"report_tables"}:
            break
        victim.write_bytes(original)  # nothing reads this one (yet): try the next data set
        os.utime(victim, (later, later))
    else:
        pytest.skip("no stage reads results/data/*.npz yet")
    assert not set(planned_jobs(work, TINY)) & producers, "the truncated file itself would be remade"

    proc = run_snakemake(work, TINY, check=False)
    out = proc.stdout + proc.stderr
    rel = f"results/data/{victim.name}"
    assert proc.returncode != 0, out[-3000:]
    assert re.search(rf"CorruptFileError: \S*{re.escape(rel)}: cannot read as \.npz", out), out[-5000:]

    # nothing partial: the failed jobs' outputs are gone, no temp file, no incomplete marker, and
    # every other file is complete
    failed = _error_outputs(out)
    assert failed, out[-3000:]
    assert not [f for f in failed if (work / f).exists()]
    assert not temp_files(work / "results")
    marks = work / ".snakemake" / "incomplete"
    assert not [p for p in marks.rglob("*") if p.is_file() and p.name != "migration_underway"]
    for path in (work / "results").rglob("*"):
        if path.is_file() and path != victim and not is_temp_file(path):
            if path.suffix == ".npz":
                io.load_npz(path)
            elif path.suffix == ".csv":
                io.load_table(path)
