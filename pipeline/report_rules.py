"""Parse-time helpers of workflow/rules/report.smk: what the other rules declare (report entries,
benchmark files), read from the Snakemake ``workflow`` object. Imported only by the rule file."""

from __future__ import annotations

import re

from .stages import STAGE_NAMES, report_category

STAGE_ORDER = tuple(s for s in STAGE_NAMES if s != "report")  # verdict-table order


def stage_tables(targets: dict, results: str) -> dict[str, tuple[str, str]]:
    """Table name -> (stage, CSV path) for every results/tables/<name>.csv in TARGETS[stage]."""
    return {
        p.rsplit("/", 1)[-1][: -len(".csv")]: (stage, p)
        for stage, paths in targets.items()
        if stage != "report"
        for p in map(str, paths)
        if p.startswith(f"{results}/tables/") and p.endswith(".csv")
    }


def report_entries(workflow) -> list[tuple[str, object]]:
    """(file pattern, ReportObject) of every rule output marked with report(...)."""
    from snakemake.io import get_flag_value, is_flagged

    return [
        (str(f), get_flag_value(f, "report"))
        for r in workflow.rules
        for f in r.output
        if is_flagged(f, "report")
    ]


def table_placement(workflow, results: str, stage: str) -> dict:
    """Where the HTML rendering of a stage table goes in the report, beside the stage's figures.

    Returns category, subcategory and the label key: the stage's category; subcategory "Tables"
    when the stage's figures use subcategories, else none (the tables join the figures' list,
    under the figures' first label name so that the list keeps its label columns).
    """
    prefix = f"{results}/figures/{stage}/"
    objs = [obj for path, obj in report_entries(workflow) if path.startswith(prefix)]
    cats = [o.category for o in objs if isinstance(o.category, str)]
    subs = [o.subcategory for o in objs if o.subcategory is not None]
    keys = [next(iter(o.labels)) for o in objs if isinstance(o.labels, dict) and o.labels]
    if subs or not objs:
        return {
            "category": cats[0] if cats else _category(stage),
            "subcategory": "Tables",
            "label": "table",
        }
    return {
        "category": cats[0] if cats else _category(stage),
        "subcategory": None,
        "label": keys[0] if keys else "table",
    }


def _category(stage: str) -> str:
    return report_category(stage) if stage in STAGE_NAMES else stage


def table_label(placement: dict, name: str) -> dict:
    return {placement["label"]: name if placement["label"] == "table" else f"table: {name}"}


def benchmark_patterns(workflow) -> dict[str, str]:
    """Rule name -> its benchmark file pattern."""
    return {r.name: str(r.benchmark) for r in workflow.rules if r.benchmark is not None}


def pattern_regex(pattern: str) -> re.Pattern:
    """A Snakemake file pattern ('a/{w}.tsv', '{w,[0-9]+}') -> a regex matching its files."""
    out, pos = "", 0
    for m in re.finditer(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\s*,\s*((?:[^{}]|\{[^{}]*\})+))?\}", pattern):
        out += re.escape(pattern[pos : m.start()])
        out += f"({m.group(2)})" if m.group(2) else "(.+)"
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]) + r"\Z")
