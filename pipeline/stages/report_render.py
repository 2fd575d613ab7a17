"""Rendering of the report stage's results: the verdict table as Markdown and HTML, stage tables
and the provenance page as HTML, the wall-time figure. No verdict logic here (that is
``pipeline.stages.report``): these functions only format the DataFrames they are given.

Verdict colours: pass green, fail red, inconclusive amber (``VERDICT_CLASS``); ``fmt`` gives numbers
``digits`` significant digits; figure names become links that open the figure's report entry. The
verdict table is shown as two: the predictions, then the identities under ``IDENTITIES_HEADING``
(``split_kinds``). ``stages_html``: the landing page's list of the registry's stages.
"""

from __future__ import annotations

import html
import math
import urllib.parse

import numpy as np
import pandas as pd

from .. import checks as checks_mod
from .. import io
from ..report_rules import pattern_regex

# verdict -> (badge text, CSS class): pass green, FAIL red, inconclusive amber
VERDICT_CLASS = {
    "pass": ("pass", "pass"),
    "fail": ("FAIL", "FAIL"),
    "inconclusive": ("inconclusive", "inconc"),
}


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


IDENTITIES_HEADING = "Implementation identities: exact to a tolerance"
IDENTITIES_NOTE = (
    "Exact for any correct implementation (an analytic identity, a second implementation, an exact "
    "zero), checked to a numerical tolerance: they test the code, not the theory, and are counted "
    "apart from the predictions."
)


def split_kinds(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, identities): the rows of each kind, in table order (``checks.kinds``: a table
    without the kind column is all predictions)."""
    ident = np.array([k == "identity" for k in checks_mod.kinds(df)], dtype=bool)
    return df[~ident], df[ident]


def _markdown_table(df: pd.DataFrame, digits: int) -> str:
    show = df.copy()
    show["passed"] = [VERDICT_CLASS[v][0] for v in checks_mod.verdicts(show)]
    show = show.drop(columns="verdict", errors="ignore").rename(columns={"passed": "verdict"})
    for col in ("measured", "ci_low", "ci_high"):
        show[col] = [fmt(v, digits) or ("n/a" if col == "measured" else "") for v in show[col]]
    for col in ("check", "stage", "kind", "prediction", "interval", "tolerance", "power", "figure"):
        if col in show:  # a bare | splits a Markdown cell
            show[col] = show[col].fillna("").astype(str).str.replace("|", "\\|", regex=False)
    return show.drop(columns="detail").to_markdown(index=False)


def checks_markdown(df: pd.DataFrame, digits: int = 4) -> str:
    """Summary line, the predictions' verdict table, the identities' table under the heading
    ``IDENTITIES_HEADING``, and the details as a list, as GitHub Markdown."""
    if not len(df):
        return checks_mod.summary_line(df) + "\n"
    predictions, identities = split_kinds(df)
    out = checks_mod.summary_line(df) + "\n"
    if len(predictions):
        out += "\n## Predictions\n\n" + _markdown_table(predictions, digits) + "\n"
    if len(identities):
        out += (
            f"\n## {IDENTITIES_HEADING}\n\n{IDENTITIES_NOTE}\n\n" + _markdown_table(identities, digits) + "\n"
        )
    details = [f"- `{c}` ({st}): {d}" for c, st, d in zip(df["check"], df["stage"], df["detail"]) if d]
    return out + ("\nDetails:\n\n" + "\n".join(details) + "\n" if details else "")


# ------------------------------------------------------------------------------------ HTML pages
_STYLE = """
.ntkr { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 13px;
        color: #1e293b; }
.ntkr table { border-collapse: collapse; margin: 0.4em 0 1em 0; width: 100%; }
.ntkr th, .ntkr td { border-bottom: 1px solid #e2e8f0; padding: 3px 6px; text-align: left;
                     vertical-align: top; }
.ntkr th { background: #f1f5f9; font-weight: 600; }
.ntkr td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ntkr td.num .interval { display: block; white-space: normal; text-align: right; min-width: 12em; }
.ntkr h3.identities { margin-top: 1.2em; }
.ntkr ol.stages { list-style: none; padding-left: 0; margin: 0.4em 0; }
.ntkr ol.stages li { margin: 2px 0; }
.ntkr tr.fail td { background: #fef2f2; }
.ntkr .badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-weight: 700;
               font-size: 11px; }
.ntkr .pass { background: #dcfce7; color: #166534; }
.ntkr .FAIL { background: #fee2e2; color: #991b1b; }
.ntkr .inconc { background: #fef3c7; color: #92400e; }
.ntkr tr.inconclusive td { background: #fffbeb; }
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


def page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>body {{ margin: 16px; }}{_STYLE}</style>"
        f'</head><body><div class="ntkr"><h2>{html.escape(title)}</h2>\n{body}\n</div></body></html>\n'
    )


def fragment(body: str) -> str:
    return f'<style>{_STYLE}{_LANDING_STYLE}</style>\n<div class="ntkr">\n{body}\n</div>\n'


def figure_links(figures, results: str, report_patterns) -> dict[str, str]:
    """Figure names (relative to results/figures/) that are report entries -> their report path."""
    regexes = [pattern_regex(str(p)) for p in report_patterns]
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
    return (
        f"javascript:void(app.setView({{navbarMode: 'resultinfo', resultPath: '{p}', "
        f"content: '{kind}', contentPath: results['{p}'].data_uri}}))"
    )


def checks_html(
    df: pd.DataFrame, digits: int = 4, links: dict[str, str] | None = None, compact: bool = False
) -> str:
    """The summary line, the predictions' verdict table and, under the heading
    ``IDENTITIES_HEADING``, the identities' table, as HTML; row ids ``check-<id>``.

    ``links``: figure name -> report path; those figures become links that open the figure's entry
    (only inside the Snakemake report page, whose ``app`` they call).
    ``compact``: for the narrow landing page: stage under the check id, measured with its CI in
    one cell and what the interval is in small type under it, tolerance under the prediction, no
    power, no detail. Otherwise every column but ``passed`` (the verdict column says it).
    """
    e = html.escape
    head = f"<p><b>{e(checks_mod.summary_line(df))}</b></p>"
    if not len(df):
        return head
    predictions, identities = split_kinds(df)
    parts = [head]
    if len(predictions):
        parts.append(_verdict_table(predictions, digits, links, compact))
    if len(identities):
        parts.append(f'<h3 class="identities">{e(IDENTITIES_HEADING)}</h3>')
        parts.append(f'<p class="small">{e(IDENTITIES_NOTE)}</p>')
        parts.append(_verdict_table(identities, digits, links, compact, "verdicts identities"))
    return "\n".join(parts)


def _verdict_table(
    df: pd.DataFrame, digits: int, links: dict[str, str] | None, compact: bool, css_class: str = "verdicts"
) -> str:
    e = html.escape
    cols = (
        ["check / stage", "measured [CI]", "prediction / tolerance", "verdict", "figure"]
        if compact
        else [c for c in checks_mod.COLUMNS if c != "passed"]
    )
    numeric = ("measured", "ci_low", "ci_high", "measured [CI]")
    kinds = checks_mod.kinds(df)
    rows = []
    for kind, (_, r) in zip(kinds, df.iterrows()):
        verdict = r["verdict"] if "verdict" in r else ("pass" if bool(r["passed"]) else "fail")
        text, css = VERDICT_CLASS[verdict]
        fig = e(r["figure"])
        if links and r["figure"] in links:
            fig = f'<a href="{e(_open_entry_js(links[r["figure"]]))}">{fig}</a>'
        interval = _text(r, "interval")
        cells = {
            "check": f"<code>{e(r['check'])}</code>",
            "stage": e(r["stage"]),
            "kind": e(kind),
            "prediction": e(r["prediction"]),
            "interval": f'<span class="small">{e(interval)}</span>',
            "tolerance": e(r["tolerance"]),
            "power": f'<span class="small">{e(_text(r, "power"))}</span>',
            "verdict": f'<span class="badge {css}">{text}</span>',
            "figure": f'<span class="small">{fig}</span>',
            "detail": f'<span class="small">{e(r["detail"])}</span>',
            "measured [CI]": e(measured_text(r, digits))
            + (f'<br><span class="small interval">{e(interval)}</span>' if interval else ""),
        }
        cells["check / stage"] = f'{cells["check"]}<br><span class="small">{cells["stage"]}</span>'
        cells["prediction / tolerance"] = (
            f'{cells["prediction"]}<br><span class="small">tolerance: {cells["tolerance"]}</span>'
        )
        for c in ("measured", "ci_low", "ci_high"):
            cells[c] = e(fmt(r[c], digits))
        tds = "".join(
            f'<td class="num">{cells[c]}</td>' if c in numeric else f"<td>{cells[c]}</td>" for c in cols
        )
        rows.append(f'<tr class="{verdict}" id="check-{e(r["check"])}">{tds}</tr>')
    header = "".join(f"<th>{e(c)}</th>" for c in cols)
    return (
        f'<table class="{css_class}"><thead><tr>{header}</tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def _text(row, col: str) -> str:
    """A text cell that older tables may lack or hold as NaN: ''."""
    v = row[col] if col in row else ""
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def stages_html(stages) -> str:
    """The landing page's list of stages, in registry order: each stage's report category (a link
    that opens it in the report's menu, when the report has it), its name and one line on what it
    does. ``stages``: dicts with name, category and summary (``report.landing_stages``)."""
    e = html.escape
    items = []
    for st in stages:
        name = urllib.parse.quote(st["category"])
        js = (  # the browser decodes the %-escapes of a javascript: URL before running it
            f"javascript:void((typeof categories !== 'undefined' && categories['{name}']) "
            f"? app.showCategory('{name}') : 0)"
        )
        summary = f": {e(st['summary'])}" if st.get("summary") else ""
        items.append(
            f'<li id="stage-{e(st["name"])}"><a href="{e(js)}"><b>{e(st["category"])}</b></a> '
            f"(<code>{e(st['name'])}</code>){summary}</li>"
        )
    return '<ol class="stages">\n' + "\n".join(items) + "\n</ol>"


def frame_html(df: pd.DataFrame, digits: int = 4, max_rows: int = 2000) -> str:
    """A DataFrame as an HTML table (numbers to ``digits`` significant digits)."""
    shown = df.head(max_rows)
    formatters = {
        c: (lambda v, d=digits: fmt(v, d)) for c in shown.columns if pd.api.types.is_float_dtype(shown[c])
    }
    table = shown.to_html(index=False, border=0, formatters=formatters, na_rep="", escape=True)
    more = (
        f'<p class="small">First {max_rows} of {len(df)} rows; the CSV has all.</p>'
        if len(df) > max_rows
        else ""
    )
    return table + more


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


def provenance_html(
    record: dict, wall: pd.DataFrame, outputs: pd.DataFrame, digits: int = 4, full: bool = True
) -> str:
    """Provenance as HTML: the run, wall times per rule, outputs' sidecars; with ``full`` also
    packages and the config used (YAML)."""
    import yaml

    e = html.escape
    dev = record["device"]
    total = float(wall["wall_s"].sum()) if len(wall) else 0.0
    run = [
        ("git commit", f"<code>{e(str(record['git_commit']))}</code>"),
        ("config file", e(" ".join(record["configfiles"]) or "(defaults)")),
        ("config hash", f"<code>{e(record['config_hash'])}</code>"),
        ("report job's machine", e(f"{dev.get('device', '')} ({dev.get('cpu_count', '?')} CPU cores)")),
        ("python / jax", e(f"{record['versions'].get('python')} / {record['versions'].get('jax')}")),
        ("wall time, all jobs", e(f"{total:.1f} s in {int(wall['jobs'].sum()) if len(wall) else 0} jobs")),
    ]
    devices = sorted(set(outputs["device"]) - {""}) if len(outputs) else []
    if devices:
        run.append(("devices of the outputs", e("; ".join(devices))))
    body = ['<table class="run"><tbody>']
    body += [f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in run]
    body.append("</tbody></table>")
    if not full:
        return "\n".join(body)
    body.append("<h3>Wall time per rule</h3>")
    body.append(
        '<p class="small">From the benchmark files under <code>results/benchmarks/</code> '
        "(seconds; a rerun job overwrites its file; files of jobs no longer in the config stay "
        "until <code>make clean</code>).</p>"
    )
    body.append(frame_html(wall, digits) if len(wall) else "<p>No benchmark files yet.</p>")
    body.append("<h3>Provenance of the outputs</h3>")
    body.append(
        '<p class="small">The sidecars <code>&lt;file&gt;.json</code> written beside every '
        "output, grouped by folder, commit, device and jax version.</p>"
    )
    body.append(frame_html(outputs, digits) if len(outputs) else "<p>No sidecars found.</p>")
    body.append("<h3>Packages</h3>")
    pk = pd.DataFrame(sorted(record["versions"].items()), columns=["package", "version"])
    body.append(frame_html(pk, digits))
    body.append("<h3>Config used</h3>")
    body.append(f"<pre>{e(yaml.safe_dump(record['config'], sort_keys=False))}</pre>")
    return "\n".join(body)
