"""Stage report: the verdict table of every theory check, provenance, wall times, and the HTML
pages the Snakemake report shows (rule ``report_tables`` in workflow/rules/report.smk).

Tables written (tidy CSV + Markdown, under ``results/tables/``):

- ``theory_checks``: one row per theory check of every stage (``results/checks/<stage>.csv`` plus
  ``report.extra_checks``), columns ``check, stage, kind, prediction, measured, ci_low, ci_high,
  interval, tolerance, power, passed, verdict, figure, detail`` (as ``pipeline.checks.COLUMNS``;
  files written before ``kind`` / ``interval`` / ``power`` read as kind ``prediction`` and empty
  texts), sorted by stage in registry order (``STAGE_ORDER``; other stages after, alphabetically),
  file order within a stage. A failing check is a row with ``passed = False``, never dropped. The
  ``.md`` has the summary line (predictions and identities counted apart), the predictions' table
  and, below it, the identities' table (heading "Implementation identities: exact to a
  tolerance"), both without ``detail``, and the details as a list below them.
- ``provenance``: columns ``section, key, value``: ``run`` (config file(s), config hash, git commit,
  python, platform), ``package`` (versions), ``device`` (of the report job), ``config`` (every leaf
  key of the config used, dotted, value as JSON). ``provenance.json`` holds the same as one record.
- ``provenance_outputs``: columns ``folder, files, git_commit, device, backend, jax,
  config_hashes``: the provenance sidecars (``<file>.json``) of every output, grouped by the folder
  under ``results/`` (stage name for ``figures/`` and ``checks/``) and by commit, device and jax.
- ``wall_times``: columns ``rule, jobs, wall_s, mean_s, max_s, cpu_s, max_rss_mb``: Snakemake
  benchmark files under ``results/benchmarks/`` summed per rule (the rule is found by matching each
  rule's ``benchmark:`` pattern); ``wall_s`` in seconds, ``max_rss_mb`` the largest job's peak RSS.

Report pages (``results/report/``): ``theory_checks.html`` and ``provenance.html`` (standalone
pages, report entries), ``*_fragment.html`` (included by workflow/report/workflow.rst in the
report's landing page: ``stages_fragment.html``, the stages of the registry with their report
categories, ``landing_stages``; the verdicts; the run), ``tables/<name>.html`` (each stage table); figure
``results/figures/report/wall_times.png``.
"""

from __future__ import annotations

import ast
import html
import json
import math
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from .. import checks as checks_mod
from .. import io, provenance
from ..progress import get_logger
from ..report_rules import STAGE_ORDER, pattern_regex
from . import EXTRA_CATEGORIES, STAGES, report_category
from .report_render import (
    checks_html,
    checks_markdown,
    figure_links,
    fragment,
    frame_html,
    page,
    provenance_html,
    stages_html,
    wall_time_figure,
)

VERDICT_COLUMNS = checks_mod.COLUMNS  # check, stage, kind, prediction, measured, ci_low, ci_high, ...
# columns a checks file may lack (written before them) -> the value they read as
OPTIONAL_COLUMNS = {"detail": "", "kind": "prediction", "interval": "", "power": ""}
EXTRA_SUMMARIES = {  # landing page: what a report category that is not a stage's holds
    "provenance": "not a stage: the run's config, package versions, commit, devices and wall time per "
    "rule (written by the report stage)",
}


# --------------------------------------------------------------------------------- theory checks
def _as_bool(value, path, row: int) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "1.0", "yes"):
        return True
    if text in ("false", "0", "0.0", "no"):
        return False
    raise io.CorruptFileError(f"{path}: row {row + 1}: column 'passed' must be True or False, got {value!r}")


def read_checks(path) -> pd.DataFrame:
    """One stage's checks file -> DataFrame with ``VERDICT_COLUMNS``.

    ``detail``, ``kind``, ``interval`` and ``power`` are optional (``OPTIONAL_COLUMNS``: files
    written before them read as predictions with empty texts; an empty kind is a prediction); so is
    ``verdict`` (files written before it: pass / fail from ``passed``). A verdict that contradicts
    ``passed`` or is not pass / fail / inconclusive, or a kind that is not prediction / identity, is
    a CorruptFileError.
    """
    required = tuple(c for c in VERDICT_COLUMNS if c not in ("verdict", *OPTIONAL_COLUMNS))
    df = io.load_table(path, required=required)
    for col, default in OPTIONAL_COLUMNS.items():
        if col not in df.columns:
            df[col] = default
    kind = df["kind"].fillna("").astype(str).str.strip().str.lower()
    df["kind"] = kind.where(kind != "", "prediction")
    for i, k in enumerate(df["kind"]):
        if k not in checks_mod.KINDS:
            raise io.CorruptFileError(
                f"{path}: row {i + 1}: kind must be one of {checks_mod.KINDS}, got {k!r}"
            )
    df["passed"] = [_as_bool(v, path, i) for i, v in enumerate(df["passed"])]
    if "verdict" not in df.columns:
        df["verdict"] = np.where(df["passed"], "pass", "fail")
    df = df[list(VERDICT_COLUMNS)].copy()
    df["verdict"] = df["verdict"].fillna("").astype(str).str.strip().str.lower()
    for i, (v, ok) in enumerate(zip(df["verdict"], df["passed"])):
        if v not in checks_mod.VERDICTS:
            raise io.CorruptFileError(
                f"{path}: row {i + 1}: verdict must be one of {checks_mod.VERDICTS}, got {v!r}"
            )
        if ok != (v == "pass"):
            raise io.CorruptFileError(f"{path}: row {i + 1}: passed={ok} contradicts verdict {v!r}")
    for col in ("measured", "ci_low", "ci_high"):
        try:
            df[col] = pd.to_numeric(df[col], errors="raise").astype(float)
        except (ValueError, TypeError) as err:
            raise io.CorruptFileError(f"{path}: column {col!r} must be numeric ({err})") from err
    for col in ("check", "stage", "prediction", "interval", "tolerance", "power", "figure", "detail"):
        df[col] = df[col].fillna("").astype(str)
    bad = df["check"].str.strip() == ""
    if bad.any():
        raise io.CorruptFileError(f"{path}: row {int(np.argmax(bad)) + 1} has an empty check id")
    return df


def collect_checks(paths, stage_order=STAGE_ORDER) -> pd.DataFrame:
    """Concatenate checks files; sort by stage (``stage_order`` first, others alphabetically after),
    keeping each file's row order within a stage."""
    frames = [read_checks(p) for p in paths]
    if not frames:
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype=(
                        "bool"
                        if c == "passed"
                        else "float"
                        if c in ("measured", "ci_low", "ci_high")
                        else "object"
                    )
                )
                for c in VERDICT_COLUMNS
            }
        )
    df = pd.concat(frames, ignore_index=True)
    order = {s: i for i, s in enumerate(stage_order)}
    others = sorted(set(df["stage"]) - set(order))
    order.update({s: len(stage_order) + i for i, s in enumerate(others)})
    key = df["stage"].map(order).to_numpy()
    return df.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)


# --------------------------------------------------------------------------------- landing page
def landing_stages(stages=STAGES, extra=EXTRA_CATEGORIES) -> list[dict]:
    """The stages of the registry, in its order, then the report categories that are not a stage's
    (``extra``: Provenance), for the landing page: name, title, category (``report_category``) and
    summary: for a stage the first paragraph of its module's docstring (``pipeline/stages/<name>.py``,
    read without importing it) less its "Stage <name>:" prefix and reST literal quotes ('' when the
    module or its docstring is missing); for an extra category ``EXTRA_SUMMARIES``."""
    out = []
    for st in stages:
        path = Path(__file__).with_name(f"{st.name}.py")
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except (OSError, SyntaxError, UnicodeDecodeError):
            doc = ""
        first = " ".join(doc.split("\n\n", 1)[0].replace("``", "").split())
        head, sep, rest = first.partition(": ")
        summary = rest if sep and head.startswith("Stage") else first
        out.append(
            {"name": st.name, "title": st.title, "category": report_category(st.name), "summary": summary}
        )
    for name, title in extra.items():
        out.append(
            {
                "name": name,
                "title": title,
                "category": report_category(name),
                "summary": EXTRA_SUMMARIES.get(name, ""),
            }
        )
    return out


# ------------------------------------------------------------------------------------ wall times
def collect_wall_times(bench_dir, rule_patterns: dict[str, str], exclude=()) -> pd.DataFrame:
    """Benchmark TSVs under ``bench_dir`` summed per rule.

    ``rule_patterns``: rule name -> its ``benchmark:`` pattern (as Snakemake holds it); a file no
    pattern matches is counted under ``?<relative path>``. Rules in ``exclude`` are skipped.
    """
    bench_dir = Path(bench_dir)
    regexes = [(rule, pattern_regex(str(p))) for rule, p in rule_patterns.items()]
    rows = []
    for f in sorted(bench_dir.rglob("*.tsv")) if bench_dir.is_dir() else []:
        rel = f.as_posix()
        candidates = {rel, os.path.relpath(f).replace(os.sep, "/")}
        rule = next(
            (r for r, rx in regexes if any(rx.match(c) for c in candidates)),
            "?" + f.relative_to(bench_dir).as_posix(),
        )
        if rule in exclude:
            continue
        try:
            bench = pd.read_csv(f, sep="\t")
        except Exception as err:  # ParserError, EmptyDataError, UnicodeDecodeError
            raise io.CorruptFileError(
                f"{f}: cannot read as a Snakemake benchmark TSV ({err}); delete it and rerun its rule"
            ) from err
        if "s" not in bench.columns:
            raise io.CorruptFileError(f"{f}: no column 's' (wall seconds); not a Snakemake benchmark file")
        for _, b in bench.iterrows():  # one line per repeat
            rows.append(
                {
                    "rule": rule,
                    "s": float(b["s"]),
                    "cpu_s": float(b.get("cpu_time", math.nan)),
                    "rss": float(b.get("max_rss", math.nan))
                    if str(b.get("max_rss", "-")) != "-"
                    else math.nan,
                }
            )
    cols = ["rule", "jobs", "wall_s", "mean_s", "max_s", "cpu_s", "max_rss_mb"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    g = df.groupby("rule", sort=False)
    out = pd.DataFrame(
        {
            "jobs": g.size(),
            "wall_s": g["s"].sum(),
            "mean_s": g["s"].mean(),
            "max_s": g["s"].max(),
            "cpu_s": g["cpu_s"].sum(min_count=1),
            "max_rss_mb": g["rss"].max(),
        }
    ).reset_index()
    return out.sort_values("wall_s", ascending=False, kind="stable").reset_index(drop=True)[cols]


# ------------------------------------------------------------------------------------ provenance
def _flatten(obj, prefix=""):
    if isinstance(obj, dict) and obj:
        for k in sorted(obj):
            yield from _flatten(obj[k], f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, json.dumps(obj, sort_keys=True, default=str)


def collect_sidecars(results_dir, skip=("report", "logs", "benchmarks")) -> pd.DataFrame:
    """Provenance sidecars (``<file>.json`` beside an existing ``<file>``) grouped per folder,
    commit, device and jax version (see the module docstring for the columns)."""
    results_dir = Path(results_dir)
    rows = []
    for side in sorted(results_dir.rglob("*.json")) if results_dir.is_dir() else []:
        base = Path(str(side)[: -len(".json")])
        rel = side.relative_to(results_dir).parts
        if not base.is_file() or rel[0] in skip:
            continue
        try:
            meta = io.load_json(side)
        except io.CorruptFileError:
            continue  # not ours to judge here; its consumer reports it
        if not isinstance(meta, dict) or "versions" not in meta:
            continue
        folder = rel[0]
        if folder in ("figures", "checks") and len(rel) > 1:
            folder = Path(rel[1][: -len(".json")]).stem if folder == "checks" else rel[1]
        dev = meta.get("device")
        rows.append(
            {
                "folder": folder,
                "git_commit": str(meta.get("git_commit")),
                "device": provenance.device_text(dev),
                "backend": dev.get("backend", "") if isinstance(dev, dict) else "",
                "jax": str((meta.get("versions") or {}).get("jax")),
                "config_hash": str(meta.get("config_hash", "")),
            }
        )
    cols = ["folder", "files", "git_commit", "device", "backend", "jax", "config_hashes"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    keys = ["folder", "git_commit", "device", "backend", "jax"]
    g = df.groupby(keys, sort=False)
    out = g.size().rename("files").reset_index()
    out["config_hashes"] = g["config_hash"].agg(lambda s: " ".join(sorted(set(s) - {""}))).to_numpy()
    order = {s: i for i, s in enumerate(("data",) + STAGE_ORDER[1:] + ("tables",))}
    out = out.iloc[np.argsort([order.get(f, 99) for f in out["folder"]], kind="stable")]
    return out.reset_index(drop=True)[cols]


def host_device() -> dict:
    """The machine of the report job (CPU model; the report does not use JAX)."""
    return {"backend": "host", "device": provenance.cpu_model(), "cpu_count": str(os.cpu_count())}


def provenance_record(config: dict, configfiles, device: dict | None = None) -> dict:
    """The run's provenance: config (and hash), config file(s), versions, commit, device."""
    return {
        "config": config,
        "config_hash": provenance.config_hash(config),
        "configfiles": [str(f) for f in configfiles],
        "git_commit": provenance.git_commit(),
        "versions": provenance.package_versions(),
        "platform": platform.platform(),
        "device": device if device is not None else host_device(),
    }


def provenance_table(record: dict) -> pd.DataFrame:
    """Tidy rows (section, key, value) of a provenance record."""
    rows = [
        ("run", "config_files", " ".join(record["configfiles"])),
        ("run", "config_hash", record["config_hash"]),
        ("run", "git_commit", str(record["git_commit"])),
        ("run", "python", record["versions"].get("python")),
        ("run", "platform", record["platform"]),
    ]
    rows += [("package", k, str(v)) for k, v in record["versions"].items() if k != "python"]
    rows += [("device", k, str(v)) for k, v in record["device"].items()]
    rows += [("config", k, v) for k, v in _flatten(record["config"])]
    return pd.DataFrame(rows, columns=["section", "key", "value"])


# ----------------------------------------------------------------------------------- entry point
def make_report_tables(
    checks,
    out: dict,
    *,
    config: dict,
    configfiles=(),
    results: str = "results",
    stage_tables: dict | None = None,
    bench_patterns: dict | None = None,
    report_patterns=(),
    digits: int = 4,
    strict: bool = False,
    stage_order=STAGE_ORDER,
    log: str | None = None,
    exclude_rules=(),
) -> pd.DataFrame:
    """Write every output of rule ``report_tables``; return the verdict table.

    ``checks``: checks CSV paths. ``out``: output name -> path, with keys checks_csv, provenance_csv,
    provenance_json, outputs_csv, wall_csv, checks_html, checks_fragment, provenance_html,
    provenance_fragment, wall_png, optionally stages_fragment (the landing page's list of stages),
    and ``tables``: a list of HTML paths, one per entry of ``stage_tables`` (name -> CSV path, same
    order). ``strict``: raise ``TheoryCheckFailed`` naming the failed checks (after logging the
    table).
    """
    logger = get_logger("report.tables", log)
    meta = {
        "versions": provenance.package_versions(),
        "git_commit": provenance.git_commit(),
        "device": host_device(),
        "stage": "report",
    }  # no jax import: this job runs in seconds
    outputs = collect_sidecars(results)  # before writing ours
    df = collect_checks(checks, stage_order)
    for dup in sorted(set(df.loc[df.duplicated(["stage", "check"]), "check"])):
        logger.warning(f"check id {dup!r} appears more than once in its stage")
    io.save_table(out["checks_csv"], df, meta=meta)
    with io.atomic_path(Path(out["checks_csv"]).with_suffix(".md")) as tmp:
        tmp.write_text(checks_markdown(df, digits))
    links = figure_links(df["figure"].unique(), results, report_patterns)
    _save_text(out["checks_html"], page("Theory checks: prediction vs measurement", checks_html(df, digits)))
    _save_text(out["checks_fragment"], fragment(checks_html(df, digits, links=links, compact=True)))
    if out.get("stages_fragment"):
        _save_text(out["stages_fragment"], fragment(stages_html(landing_stages())))
    logger.info("verdicts:\n" + checks_markdown(df, digits))

    wall = collect_wall_times(Path(results) / "benchmarks", bench_patterns or {}, exclude=exclude_rules)
    io.save_table(out["wall_csv"], wall, meta=meta, markdown=True)
    wall_time_figure(wall, out["wall_png"], meta=meta)
    io.save_table(out["outputs_csv"], outputs, meta=meta, markdown=True)
    record = provenance_record(config, configfiles, device=meta["device"])
    io.save_json(
        out["provenance_json"],
        {**record, "wall_times": wall.to_dict("records"), "outputs": outputs.to_dict("records")},
    )
    io.save_table(out["provenance_csv"], provenance_table(record), meta=meta, markdown=True)
    _save_text(out["provenance_html"], page("Provenance", provenance_html(record, wall, outputs, digits)))
    _save_text(
        out["provenance_fragment"], fragment(provenance_html(record, wall, outputs, digits, full=False))
    )
    stage_tables = stage_tables or {}
    if len(stage_tables) != len(out.get("tables", [])):
        raise ValueError(f"{len(stage_tables)} stage tables but {len(out.get('tables', []))} HTML outputs")
    for (name, csv), target in zip(stage_tables.items(), out.get("tables", [])):
        table = io.load_table(csv)
        _save_text(
            target,
            page(
                f"Table {name}",
                f'<p class="small">{html.escape(str(csv))}: {len(table)} rows; '
                "columns documented in results/README.md.</p>\n" + frame_html(table, digits),
            ),
        )
    logger.info(
        f"wrote {len(stage_tables)} stage tables as HTML; wall time {wall['wall_s'].sum():.1f} s "
        f"over {len(wall)} rules; provenance of {int(outputs['files'].sum()) if len(outputs) else 0} outputs"
    )
    try:
        checks_mod.enforce_strict(df, strict)
    except checks_mod.TheoryCheckFailed as err:
        logger.error(str(err))
        raise
    return df


def _save_text(path, text: str) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# --- rule entries (workflow/scripts/*.py: run_rule(rule_<name>, snakemake)) ----------------------


def rule_tables(*, input, output, params, wildcards, log, config) -> None:
    """Rule ``report_tables`` -> ``make_report_tables``."""
    make_report_tables(
        list(input.checks),
        dict(output.items()),
        config=config,
        configfiles=params.configfiles,
        results=str(Path(output.checks_csv).parent.parent),
        stage_tables=params.stage_tables,
        bench_patterns=params.bench_patterns,
        report_patterns=params.report_patterns,
        digits=params.digits,
        strict=params.strict,
        stage_order=params.stage_order,
        log=log,
        exclude_rules=("report_tables",),
    )
