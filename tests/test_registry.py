"""The stage registry (pipeline.stages.STAGES) is the one list of stages: every rule file, schema
section, report category, verdict-table order and `make clean` folder follows from it."""

import re
import subprocess
import sys

from conftest import ROOT, TINY, load_yaml

from pipeline.config import validate_config
from pipeline.report_rules import STAGE_ORDER
from pipeline.stages import STAGE_NAMES, STAGE_TITLES, STAGES, results_folders

RULES = ROOT / "workflow" / "rules"


def test_every_rule_file_is_a_registered_stage_and_back():
    files = {p.stem for p in RULES.glob("*.smk")} - {"common"}
    assert files == set(STAGE_NAMES), f"rule files {sorted(files)} vs registry {list(STAGE_NAMES)}"
    assert STAGE_NAMES[-1] == "report" and STAGE_ORDER == STAGE_NAMES[:-1]


def test_report_categories_are_the_registry_titles():
    for stage in STAGES:
        if stage.name == "report":
            continue
        text = (RULES / f"{stage.name}.smk").read_text()
        cats = set(re.findall(r'\bcategory="([^"]+)"', text))
        assert cats <= {stage.title}, f"{stage.name}.smk: categories {cats}, registry title {stage.title!r}"


def test_each_stage_ends_with_final_outputs():
    for name in STAGE_NAMES:
        assert f'final_outputs("{name}"' in (RULES / f"{name}.smk").read_text(), name


def test_schema_sections_follow_the_registry():
    cfg = validate_config(load_yaml(TINY))
    for name in STAGE_NAMES:
        if (ROOT / "workflow" / "schemas" / f"{name}.schema.yaml").is_file():
            assert isinstance(cfg.get(name), dict), name
    no_new = {
        k: v
        for k, v in load_yaml(TINY).items()
        if k
        in ("results", "seed", "strict", "x64", "data", "ntk", "train", "convergence", "fourier", "report")
    }
    full = validate_config(no_new)  # a config written before the newer stages still validates
    assert set(STAGE_TITLES) - {"report"} <= set(full) | {"report"}


def test_make_clean_folders_come_from_the_registry():
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.stages"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.split()
    assert out == results_folders() and {"regimes", "figures/spectra", "tables", "checks"} <= set(out)
    assert "-m pipeline.stages" in (ROOT / "Makefile").read_text()
