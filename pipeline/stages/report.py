"""Stage report: the verdict table of every theory check, provenance, wall times, and the HTML
pages the Snakemake report shows (rule ``report_tables`` in workflow/rules/report.smk).

Tables written (tidy CSV + Markdown, under ``results/tables/``):

- ``theory_checks``: one row per theory check of every stage (``results/checks/<stage>.csv`` plus
  ``report.extra_checks``), columns ``check, stage, prediction, measured, ci_low, ci_high,
  tolerance, passed, figure, detail`` (as ``pipeline.checks.COLUMNS``), sorted by stage in pipeline
  order (data, ntk, train, convergence, fourier; other stages after, alphabetically), file order
  within a stage. A failing check is a row with ``passed = False``, never dropped. The ``.md``
  has a summary line, the table without ``detail``, and the details as a list below it.
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
report's landing page), ``tables/<name>.html`` (each stage table); figure
``results/figures/report/wall_times.png``.
"""

from __future__ import annotations

import html
import json
import math
import os
import platform
import re
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd

from .. import checks as checks_mod
from .. import io, provenance
from ..progress import get_logger
from ..report_rules import STAGE_ORDER

VERDICT_COLUMNS = checks_mod.COLUMNS  # check, stage, prediction, measured, ci_low, ci_high, ...
PASS, FAIL = "pass", "FAIL"


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
    """One stage's checks file -> DataFrame with ``VERDICT_COLUMNS`` (``detail`` optional)."""
    required = tuple(c for c in VERDICT_COLUMNS if c != "detail")
    df = io.load_table(path, required=required)
    if "detail" not in df.columns:
        df["detail"] = ""
    df = df[list(VERDICT_COLUMNS)].copy()
    df["passed"] = [_as_bool(v, path, i) for i, v in enumerate(df["passed"])]
    for col in ("measured", "ci_low", "ci_high"):
        try:
            df[col] = pd.to_numeric(df[col], errors="raise").astype(float)
        except (ValueError, TypeError) as err:
            raise io.CorruptFileError(f"{path}: column {col!r} must be numeric ({err})") from err
    for col in ("check", "stage", "prediction", "tolerance", "figure", "detail"):
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
        return pd.DataFrame({c: pd.Series(dtype=("bool" if c == "passed" else "float" if c in
                                                   ("measured", "ci_low", "ci_high") else "object"))
                             for c in VERDICT_COLUMNS})
    df = pd.concat(frames, ignore_index=True)
    order = {s: i for i, s in enumerate(stage_order)}
    others = sorted(set(df["stage"]) - set(order))
    order.update({s: len(stage_order) + i for i, s in enumerate(others)})
    key = df["stage"].map(order).to_numpy()
    return df.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)


def summary(df: pd.DataFrame) -> dict:
    n = len(df)
    failed = df.loc[~df["passed"].astype(bool), "check"].tolist()
    return {"checks": n, "passed": n - len(failed), "failed": len(failed), "failed_checks": failed}


def summary_line(df: pd.DataFrame) -> str:
    s = summary(df)
    if not s["checks"]:
        return "No theory checks recorded (no stage wrote results/checks/<stage>.csv)."
    line = f"{s['checks']} theory checks: {s['passed']} passed, {s['failed']} failed"
    return line + (f" ({', '.join(s['failed_checks'])})." if s["failed"] else ".")


def fmt(x, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; '' for NaN/None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.{digits}g}"


def measured_text(row, digits: int = 4) -> str:
    """'m' or 'm [lo, hi]' (the CI when the stage gave one)."""
    m = fmt(row["measured"], digits) or "NaN"
    lo, hi = fmt(row["ci_low"], digits), fmt(row["ci_high"], digits)
    return f"{m} [{lo}, {hi}]" if lo and hi else m


def checks_markdown(df: pd.DataFrame, digits: int = 4) -> str:
    """Summary line and the verdict table as GitHub Markdown."""
    if not len(df):
        return summary_line(df) + "\n"
    show = df.copy()
    show["passed"] = np.where(show["passed"].astype(bool), PASS, FAIL)
    for col in ("measured", "ci_low", "ci_high"):
        show[col] = [fmt(v, digits) or ("n/a" if col == "measured" else "") for v in show[col]]
    details = [f"- `{c}` ({st}): {d}" for c, st, d in zip(df["check"], df["stage"], df["detail"]) if d]
    for col in ("check", "stage", "prediction", "tolerance", "figure"):
        show[col] = show[col].str.replace("|", "\\|", regex=False)  # a bare | splits a Markdown cell
    show = show.drop(columns="detail")
    return (summary_line(df) + "\n\n" + show.to_markdown(index=False) + "\n"
            + ("\nDetails:\n\n" + "\n".join(details) + "\n" if details else ""))


# ------------------------------------------------------------------------------------ HTML pages
_STYLE = """
.ntkr { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 13px;
        color: #1e293b; }
.ntkr table { border-collapse: collapse; margin: 0.4em 0 1em 0; width: 100%; }
.ntkr th, .ntkr td { border-bottom: 1px solid #e2e8f0; padding: 3px 6px; text-align: left;
                     vertical-align: top; }
.ntkr th { background: #f1f5f9; font-weight: 600; }
.ntkr td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ntkr tr.fail td { background: #fef2f2; }
.ntkr .badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-weight: 700;
               font-size: 11px; }
.ntkr .pass { background: #dcfce7; color: #166534; }
.ntkr .FAIL { background: #fee2e2; color: #991b1b; }
.ntkr .small { font-size: 11px; color: #475569; }
.ntkr code { font-size: 12px; }
.ntkr pre { background: #f8fafc; padding: 8px; font-size: 11px; overflow-x: auto; }
.ntkr code::before, .ntkr code::after { content: none; }
"""
# Only in the landing-page fragments (inside the Snakemake report): the report centres its content
# vertically, which cuts the top of a long page off; start at the top instead, and give the
# description column room for the verdict table. Removed with the fragment when the view changes.
_LANDING_STYLE = """
div.grow.flex.items-center.justify-center.h-screen { align-items: flex-start !important; }
div.prose.max-w-lg { max-width: 60rem !important; }
"""


def _page(title: str, body: str) -> str:
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body {{ margin: 16px; }}{_STYLE}</style>"
            f"</head><body><div class=\"ntkr\"><h2>{html.escape(title)}</h2>\n{body}\n</div></body></html>\n")


def _fragment(body: str) -> str:
    return f"<style>{_STYLE}{_LANDING_STYLE}</style>\n<div class=\"ntkr\">\n{body}\n</div>\n"


def _pattern_regex(pattern: str) -> re.Pattern:
    """A Snakemake file pattern ('a/{w}.tsv', '{w,[0-9]+}') -> a regex matching its files."""
    out, pos = "", 0
    for m in re.finditer(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\s*,\s*((?:[^{}]|\{[^{}]*\})+))?\}", pattern):
        out += re.escape(pattern[pos:m.start()])
        out += f"({m.group(2)})" if m.group(2) else "(.+)"
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]) + r"\Z")


def figure_links(figures, results: str, report_patterns) -> dict[str, str]:
    """Figure names (relative to results/figures/) that are report entries -> their report path."""
    regexes = [_pattern_regex(str(p)) for p in report_patterns]
    out = {}
    for name in figures:
        if not name:
            continue
        path = f"{results}/figures/{name}"
        if any(r.match(path) for r in regexes):
            out[name] = path
    return out


def _open_entry_js(path: str) -> str:
    """A javascript: link that opens a report entry (its info in the menu, the file beside it),
    as the report's own buttons do (html_reporter/template/components/result_view_button.js)."""
    p = urllib.parse.quote(path)
    kind = "html" if path.endswith((".html", ".htm")) else "pdf" if path.endswith(".pdf") else "img"
    return (f"javascript:void(app.setView({{navbarMode: 'resultinfo', resultPath: '{p}', "
            f"content: '{kind}', contentPath: results['{p}'].data_uri}}))")


def checks_html(df: pd.DataFrame, digits: int = 4, links: dict[str, str] | None = None,
                compact: bool = False) -> str:
    """The verdict table as an HTML <table> preceded by the summary line; row ids ``check-<id>``.

    ``links``: figure name -> report path; those figures become links that open the figure's entry
    (only inside the Snakemake report page, whose ``app`` they call).
    ``compact``: for the narrow landing page: stage under the check id, measured with its CI in
    one cell, tolerance under the prediction, no detail.
    """
    e = html.escape
    head = f"<p><b>{e(summary_line(df))}</b></p>"
    if not len(df):
        return head
    cols = (["check / stage", "measured [CI]", "prediction / tolerance", "verdict", "figure"]
            if compact else ["check", "stage", "prediction", "measured", "ci_low", "ci_high",
                             "tolerance", "verdict", "figure", "detail"])
    numeric = ("measured", "ci_low", "ci_high", "measured [CI]")
    rows = []
    for _, r in df.iterrows():
        ok = bool(r["passed"])
        fig = e(r["figure"])
        if links and r["figure"] in links:
            fig = f"<a href=\"{e(_open_entry_js(links[r['figure']]))}\">{fig}</a>"
        cells = {"check": f"<code>{e(r['check'])}</code>", "stage": e(r["stage"]),
                 "prediction": e(r["prediction"]), "tolerance": e(r["tolerance"]),
                 "verdict": f"<span class=\"badge {PASS if ok else FAIL}\">{PASS if ok else FAIL}</span>",
                 "figure": f"<span class=\"small\">{fig}</span>",
                 "detail": f"<span class=\"small\">{e(r['detail'])}</span>",
                 "measured [CI]": e(measured_text(r, digits))}
        cells["check / stage"] = f"{cells['check']}<br><span class=\"small\">{cells['stage']}</span>"
        cells["prediction / tolerance"] = (f"{cells['prediction']}<br><span class=\"small\">"
                                           f"tolerance: {cells['tolerance']}</span>")
        for c in ("measured", "ci_low", "ci_high"):
            cells[c] = e(fmt(r[c], digits))
        tds = "".join(f"<td class=\"num\">{cells[c]}</td>" if c in numeric else f"<td>{cells[c]}</td>"
                      for c in cols)
        rows.append(f"<tr class=\"{'pass' if ok else 'fail'}\" id=\"check-{e(r['check'])}\">{tds}</tr>")
    header = "".join(f"<th>{e(c)}</th>" for c in cols)
    return (head + f"\n<table class=\"verdicts\"><thead><tr>{header}</tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody></table>")


def frame_html(df: pd.DataFrame, digits: int = 4, max_rows: int = 2000) -> str:
    """A DataFrame as an HTML table (numbers to ``digits`` significant digits)."""
    shown = df.head(max_rows)
    formatters = {c: (lambda v, d=digits: fmt(v, d)) for c in shown.columns
                  if pd.api.types.is_float_dtype(shown[c])}
    table = shown.to_html(index=False, border=0, formatters=formatters, na_rep="", escape=True)
    more = (f"<p class=\"small\">First {max_rows} of {len(df)} rows; the CSV has all.</p>"
            if len(df) > max_rows else "")
    return table + more


# ------------------------------------------------------------------------------------ wall times
def collect_wall_times(bench_dir, rule_patterns: dict[str, str], exclude=()) -> pd.DataFrame:
    """Benchmark TSVs under ``bench_dir`` summed per rule.

    ``rule_patterns``: rule name -> its ``benchmark:`` pattern (as Snakemake holds it); a file no
    pattern matches is counted under ``?<relative path>``. Rules in ``exclude`` are skipped.
    """
    bench_dir = Path(bench_dir)
    regexes = [(rule, _pattern_regex(str(p))) for rule, p in rule_patterns.items()]
    rows = []
    for f in sorted(bench_dir.rglob("*.tsv")) if bench_dir.is_dir() else []:
        rel = f.as_posix()
        candidates = {rel, os.path.relpath(f).replace(os.sep, "/")}
        rule = next((r for r, rx in regexes if any(rx.match(c) for c in candidates)),
                    "?" + f.relative_to(bench_dir).as_posix())
        if rule in exclude:
            continue
        try:
            bench = pd.read_csv(f, sep="\t")
        except Exception as err:  # ParserError, EmptyDataError, UnicodeDecodeError
            raise io.CorruptFileError(f"{f}: cannot read as a Snakemake benchmark TSV ({err}); "
                                      "delete it and rerun its rule") from err
        if "s" not in bench.columns:
            raise io.CorruptFileError(f"{f}: no column 's' (wall seconds); not a Snakemake benchmark file")
        for _, b in bench.iterrows():  # one line per repeat
            rows.append({"rule": rule, "s": float(b["s"]),
                         "cpu_s": float(b.get("cpu_time", math.nan)),
                         "rss": float(b.get("max_rss", math.nan)) if str(b.get("max_rss", "-")) != "-" else math.nan})
    cols = ["rule", "jobs", "wall_s", "mean_s", "max_s", "cpu_s", "max_rss_mb"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    g = df.groupby("rule", sort=False)
    out = pd.DataFrame({"jobs": g.size(), "wall_s": g["s"].sum(), "mean_s": g["s"].mean(),
                        "max_s": g["s"].max(), "cpu_s": g["cpu_s"].sum(min_count=1),
                        "max_rss_mb": g["rss"].max()}).reset_index()
    return out.sort_values("wall_s", ascending=False, kind="stable").reset_index(drop=True)[cols]


def wall_time_figure(wall: pd.DataFrame, path, meta: dict | None = None) -> None:
    """Horizontal bars: total wall time per rule (jobs in the label)."""
    from .. import plotting

    n = max(len(wall), 1)
    fig, axes = plotting.figure(1, 1, width=7.0, height=0.8 + 0.32 * n)
    ax = axes[0, 0]
    if len(wall):
        labels = [f"{r} ({j} job{'s' if j != 1 else ''})" for r, j in zip(wall["rule"], wall["jobs"])]
        y = np.arange(len(wall))
        ax.barh(y, wall["wall_s"], color="C0")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        for yi, s in zip(y, wall["wall_s"]):
            ax.text(s, yi, f" {s:.1f} s", va="center", fontsize=8)
        ax.set_xlim(0, float(wall["wall_s"].max()) * 1.18 + 1e-9)
        ax.set_title(f"Wall time per rule: {wall['wall_s'].sum():.1f} s in {int(wall['jobs'].sum())} jobs")
    else:
        ax.text(0.5, 0.5, "no benchmark files yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        ax.set_title("Wall time per rule")
    ax.set_xlabel("wall time summed over the rule's jobs (s)")
    io.save_figure(fig, path, meta=meta)


# ------------------------------------------------------------------------------------ provenance
def _flatten(obj, prefix=""):
    if isinstance(obj, dict) and obj:
        for k in sorted(obj):
            yield from _flatten(obj[k], f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, json.dumps(obj, sort_keys=True, default=str)


def _device_text(dev) -> str:
    if not isinstance(dev, dict):
        return str(dev) if dev else ""
    return str(dev.get("device") or "")


def collect_sidecars(results_dir, skip=("report", "logs", "benchmarks")) -> pd.DataFrame:
    """Provenance sidecars (``<file>.json`` beside an existing ``<file>``) grouped per folder,
    commit, device and jax version (see the module docstring for the columns)."""
    results_dir = Path(results_dir)
    rows = []
    for side in sorted(results_dir.rglob("*.json")) if results_dir.is_dir() else []:
        base = Path(str(side)[:-len(".json")])
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
            folder = Path(rel[1][:-len(".json")]).stem if folder == "checks" else rel[1]
        dev = meta.get("device")
        rows.append({"folder": folder, "git_commit": str(meta.get("git_commit")),
                     "device": _device_text(dev),
                     "backend": dev.get("backend", "") if isinstance(dev, dict) else "",
                     "jax": str((meta.get("versions") or {}).get("jax")),
                     "config_hash": str(meta.get("config_hash", ""))})
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
    return {"config": config, "config_hash": provenance.config_hash(config),
            "configfiles": [str(f) for f in configfiles], "git_commit": provenance.git_commit(),
            "versions": provenance.package_versions(),
            "platform": platform.platform(),
            "device": device if device is not None else host_device()}


def provenance_table(record: dict) -> pd.DataFrame:
    """Tidy rows (section, key, value) of a provenance record."""
    rows = [("run", "config_files", " ".join(record["configfiles"])),
            ("run", "config_hash", record["config_hash"]),
            ("run", "git_commit", str(record["git_commit"])),
            ("run", "python", record["versions"].get("python")),
            ("run", "platform", record["platform"])]
    rows += [("package", k, str(v)) for k, v in record["versions"].items() if k != "python"]
    rows += [("device", k, str(v)) for k, v in record["device"].items()]
    rows += [("config", k, v) for k, v in _flatten(record["config"])]
    return pd.DataFrame(rows, columns=["section", "key", "value"])


def provenance_html(record: dict, wall: pd.DataFrame, outputs: pd.DataFrame, digits: int = 4,
                    full: bool = True) -> str:
    """Provenance as HTML: the run, wall times per rule, outputs' sidecars; with ``full`` also
    packages and the config used (YAML)."""
    import yaml

    e = html.escape
    dev = record["device"]
    total = float(wall["wall_s"].sum()) if len(wall) else 0.0
    run = [("git commit", f"<code>{e(str(record['git_commit']))}</code>"),
           ("config file", e(" ".join(record["configfiles"]) or "(defaults)")),
           ("config hash", f"<code>{e(record['config_hash'])}</code>"),
           ("report job's machine", e(f"{dev.get('device', '')} ({dev.get('cpu_count', '?')} CPU cores)")),
           ("python / jax", e(f"{record['versions'].get('python')} / {record['versions'].get('jax')}")),
           ("wall time, all jobs", e(f"{total:.1f} s in {int(wall['jobs'].sum()) if len(wall) else 0} jobs"))]
    devices = sorted(set(outputs["device"]) - {""}) if len(outputs) else []
    if devices:
        run.append(("devices of the outputs", e("; ".join(devices))))
    body = ["<table class=\"run\"><tbody>"]
    body += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in run]
    body.append("</tbody></table>")
    if not full:
        return "\n".join(body)
    body.append("<h3>Wall time per rule</h3>")
    body.append("<p class=\"small\">From the benchmark files under <code>results/benchmarks/</code> "
                "(seconds; a rerun job overwrites its file; files of jobs no longer in the config stay "
                "until <code>make clean</code>).</p>")
    body.append(frame_html(wall, digits) if len(wall) else "<p>No benchmark files yet.</p>")
    body.append("<h3>Provenance of the outputs</h3>")
    body.append("<p class=\"small\">The sidecars <code>&lt;file&gt;.json</code> written beside every "
                "output, grouped by folder, commit, device and jax version.</p>")
    body.append(frame_html(outputs, digits) if len(outputs) else "<p>No sidecars found.</p>")
    body.append("<h3>Packages</h3>")
    pk = pd.DataFrame(sorted(record["versions"].items()), columns=["package", "version"])
    body.append(frame_html(pk, digits))
    body.append("<h3>Config used</h3>")
    body.append(f"<pre>{e(yaml.safe_dump(record['config'], sort_keys=False))}</pre>")
    return "\n".join(body)


# ----------------------------------------------------------------------------------- entry point
def make_report_tables(checks, out: dict, *, config: dict, configfiles=(), results: str = "results",
                       stage_tables: dict | None = None, bench_patterns: dict | None = None,
                       report_patterns=(), digits: int = 4, strict: bool = False,
                       stage_order=STAGE_ORDER, log: str | None = None, exclude_rules=()) -> pd.DataFrame:
    """Write every output of rule ``report_tables``; return the verdict table.

    ``checks``: checks CSV paths. ``out``: output name -> path, with keys checks_csv, provenance_csv,
    provenance_json, outputs_csv, wall_csv, checks_html, checks_fragment, provenance_html,
    provenance_fragment, wall_png, and ``tables``: a list of HTML paths, one per entry of
    ``stage_tables`` (name -> CSV path, same order). ``strict``: raise ``TheoryCheckFailed``
    naming the failed checks (after logging the table).
    """
    logger = get_logger("report.tables", log)
    meta = {"versions": provenance.package_versions(), "git_commit": provenance.git_commit(),
            "device": host_device(), "stage": "report"}  # no jax import: this job runs in seconds
    outputs = collect_sidecars(results)  # before writing ours
    df = collect_checks(checks, stage_order)
    for dup in sorted(set(df.loc[df.duplicated(["stage", "check"]), "check"])):
        logger.warning(f"check id {dup!r} appears more than once in its stage")
    io.save_table(out["checks_csv"], df, meta=meta)
    with io.atomic_path(Path(out["checks_csv"]).with_suffix(".md")) as tmp:
        tmp.write_text(checks_markdown(df, digits))
    links = figure_links(df["figure"].unique(), results, report_patterns)
    _save_text(out["checks_html"], _page("Theory checks: prediction vs measurement",
                                           checks_html(df, digits)))
    _save_text(out["checks_fragment"], _fragment(checks_html(df, digits, links=links, compact=True)))
    logger.info("verdicts:\n" + checks_markdown(df, digits))

    wall = collect_wall_times(Path(results) / "benchmarks", bench_patterns or {}, exclude=exclude_rules)
    io.save_table(out["wall_csv"], wall, meta=meta, markdown=True)
    wall_time_figure(wall, out["wall_png"], meta=meta)
    io.save_table(out["outputs_csv"], outputs, meta=meta, markdown=True)
    record = provenance_record(config, configfiles, device=meta["device"])
    io.save_json(out["provenance_json"], {**record, "wall_times": wall.to_dict("records"),
                                          "outputs": outputs.to_dict("records")})
    io.save_table(out["provenance_csv"], provenance_table(record), meta=meta, markdown=True)
    _save_text(out["provenance_html"], _page("Provenance", provenance_html(record, wall, outputs, digits)))
    _save_text(out["provenance_fragment"], _fragment(provenance_html(record, wall, outputs, digits,
                                                                       full=False)))
    stage_tables = stage_tables or {}
    if len(stage_tables) != len(out.get("tables", [])):
        raise ValueError(f"{len(stage_tables)} stage tables but {len(out.get('tables', []))} HTML outputs")
    for (name, csv), target in zip(stage_tables.items(), out.get("tables", [])):
        table = io.load_table(csv)
        _save_text(target, _page(f"Table {name}", f"<p class=\"small\">{html.escape(str(csv))}: {len(table)} rows; "
                                   "columns documented in results/README.md.</p>\n" + frame_html(table, digits)))
    logger.info(f"wrote {len(stage_tables)} stage tables as HTML; wall time {wall['wall_s'].sum():.1f} s "
                f"over {len(wall)} rules; provenance of {int(outputs['files'].sum()) if len(outputs) else 0} outputs")
    try:
        checks_mod.enforce_strict(df, strict)
    except checks_mod.TheoryCheckFailed as err:
        logger.error(str(err))
        raise
    return df


def _save_text(path, text: str) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
