"""The stage registry (pipeline.stages.STAGES) is the one list of stages: every rule file, schema
section, report category, verdict-table order and `make clean` folder follows from it."""

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, TINY, load_yaml

from pipeline.config import validate_config
from pipeline.report_rules import STAGE_ORDER
from pipeline.stages import (
    EXTRA_CATEGORIES,
    STAGE_NAMES,
    STAGE_TITLES,
    STAGES,
    report_category,
    results_folders,
)

RULES = ROOT / "workflow" / "rules"


def test_every_rule_file_is_a_registered_stage_and_back():
    files = {p.stem for p in RULES.glob("*.smk")} - {"common"}
    assert files == set(STAGE_NAMES), f"rule files {sorted(files)} vs registry {list(STAGE_NAMES)}"
    assert STAGE_NAMES[-1] == "report" and STAGE_ORDER == STAGE_NAMES[:-1]


def test_report_categories_are_the_registry_titles():
    """Every category= of a rule file is report_category(<that stage>) (the report's own two in
    report.smk), never a typed string."""
    for stage in STAGES:
        text = (RULES / f"{stage.name}.smk").read_text()
        code = re.sub(r'""".*?"""', "", text, flags=re.S)  # not the docstrings' examples
        code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))
        cats = re.findall(r"\bcategory=([^,\n]+),", code)
        assert cats, f"{stage.name}.smk: no report category"
        allowed = {f'report_category("{stage.name}")'}
        if stage.name == "report":
            allowed |= {'report_category("provenance")', 'where["category"]'}
        assert set(cats) <= allowed, f"{stage.name}.smk: categories {set(cats) - allowed}"


def test_report_categories_sort_in_stage_order():
    """The report's menu sorts categories by name (localeCompare); the numbered names sort in the
    registry's order, the report's own categories last."""
    names = [report_category(s.name) for s in STAGES] + [report_category(n) for n in EXTRA_CATEGORIES]
    assert names[0] == "01 Data" and names[1] == "02 NTK at initialisation"
    assert names[-2:] == ["10 Theory checks", "11 Provenance"]
    assert sorted(names) == names and sorted(names, key=str.casefold) == names
    assert len({n.split(" ", 1)[0] for n in names}) == len(names)  # one number each
    assert [n.split(" ", 1)[1] for n in names[: len(STAGES)]] == [s.title for s in STAGES]
    alphabetical = sorted(s.title for s in STAGES)
    assert alphabetical != [s.title for s in STAGES]  # the titles alone would not keep the order
    # the assumption behind the numbers: Snakemake's menu sorts the category names
    import snakemake

    menu = Path(snakemake.__file__).parent / "report/html_reporter/template/components/menu.js"
    if menu.is_file():
        assert "Object.keys(categories).sort(" in menu.read_text()


def test_caption_links_to_categories_name_real_categories():
    """A caption that links a category (`NN Title`_) names one that report_category gives."""
    names = {report_category(s.name) for s in STAGES} | {report_category(n) for n in EXTRA_CATEGORIES}
    found = []
    for path in (ROOT / "workflow" / "report").glob("*.rst"):
        for link in re.findall(r"`(\d+ [^`<]+?)`_", path.read_text()):
            found.append(link)
            assert " ".join(link.split()) in names, f"{path.name}: `{link}`_ is no report category"
    assert "04 Convergence and spectral bias" in found


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
