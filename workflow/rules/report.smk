"""Stage report: theory-check verdicts, provenance, wall times, and the Snakemake report.

Rule report_tables (after every other stage's TARGETS) writes results/tables/theory_checks.csv/.md,
provenance.csv/.md/.json, provenance_outputs.csv/.md, wall_times.csv/.md, the report pages under
results/report/ and figures/report/wall_times.png. `strict: true` makes it fail naming the failed
checks. `make report` reruns only this rule, then `snakemake --report` (no training is redone).

HOW-TO for stages: putting a figure into the report (snakemake 9 report, checked against
snakemake/report/__init__.py and report/html_reporter/template/components/*.js):

    output:
        fig=report(f"{RESULTS}/figures/ntk/error_vs_width.png",
                   caption="../report/ntk_error_vs_width.rst",  # path relative to workflow/rules/
                   category=report_category("ntk"),             # your stage's category
                   subcategory="Width sweep",                   # optional
                   labels={"figure": "error vs width", "part": "K^(a)"}),

- category: one per stage, always report_category("<stage>") (common.smk imports it from
  pipeline.stages): the stage's registry position and title, "02 NTK at initialisation". The
  menu lists categories alphabetically (localeCompare), so the zero-padded number keeps them in
  the registry's order, ours last: "09 Theory checks" and "10 Provenance". A caption links a
  category by that name: `02 NTK at initialisation`_.
- tables: the report stage renders every results/tables/*.csv in TARGETS[stage] as HTML and puts it
  into your figures' category (found from your figures under figures/<stage>/): in subcategory
  "Tables" if your figures use subcategories, else in the figures' list under their first label
  name ("table: <name>"). Do not report() CSV files yourself: a CSV is only a download link (PNG,
  SVG and JPEG show inline, HTML and PDF in a frame).
- subcategory: optional; None shows as "Other" when a category mixes it with named ones, and a
  category with one subcategory opens it directly. Give every figure of the stage one, or none.
- labels: a dict of str -> str; "{width}" etc. are filled from the wildcards; a callable
  `lambda wc: {...}` also works. The entries of a subcategory are listed as a table with one column
  per label instead of the file path, but ONLY if every entry there has labels. Values must be
  strings (a number breaks the page's JavaScript sort) and are sorted as strings: zero-pad numbers
  ("00500", "10000") or the width 1024 sorts before 256. Use the same label names across a
  subcategory (figure, width, seed, mapping, ...). With two or more labels, a label with exactly
  two values that split the entries in half becomes a toggle (e.g. "time": "t = 0" / "trained").
- caption: an .rst file in workflow/report/, rendered by Jinja2 first ({{ snakemake.config["ntk"]["widths"] }},
  {{ snakemake.wildcards.width }}, {{ snakemake.params.x }} are available), then by docutils: say
  what is plotted, what theory predicts and how to read it. `NTK`_ links a category, `<file name>`_
  a report entry.
- only outputs of jobs in the DAG of the default target (rule all) appear, and every report()
  file must exist when `snakemake --report` runs: put your figures in TARGETS[stage].
- theory checks: pipeline.checks.write_checks(f"{RESULTS}/checks/<stage>.csv", ...) and
  CHECK_FILES.append(that path) in your rule file; set each check's `figure` to the figure's path
  relative to results/figures/ ("ntk/error_vs_width.png"): the verdict table on the report's landing
  page then links to the figure's entry.
- pipeline.plotting: figure(), reference_power_law(), mean_band(), log_log() give the shared style.
"""

from pipeline import report_rules

# every final output of the other stages: the report comes last and sees all of them
REPORT_UPSTREAM = [str(p) for s, ps in TARGETS.items() if s != "report" for p in ps]
# stage tables (results/tables/<name>.csv in TARGETS[stage]) rendered as HTML for the report
REPORT_STAGE_TABLES = report_rules.stage_tables(TARGETS, RESULTS)


rule report_tables:
    input:
        checks=CHECK_FILES + config["report"]["extra_checks"],
        upstream=REPORT_UPSTREAM,
    output:
        checks_csv=f"{RESULTS}/tables/theory_checks.csv",
        checks_md=f"{RESULTS}/tables/theory_checks.md",
        provenance_csv=f"{RESULTS}/tables/provenance.csv",
        provenance_md=f"{RESULTS}/tables/provenance.md",
        provenance_json=f"{RESULTS}/tables/provenance.json",
        outputs_csv=f"{RESULTS}/tables/provenance_outputs.csv",
        outputs_md=f"{RESULTS}/tables/provenance_outputs.md",
        wall_csv=f"{RESULTS}/tables/wall_times.csv",
        wall_md=f"{RESULTS}/tables/wall_times.md",
        checks_fragment=f"{RESULTS}/report/theory_checks_fragment.html",
        stages_fragment=f"{RESULTS}/report/stages_fragment.html",
        provenance_fragment=f"{RESULTS}/report/provenance_fragment.html",
        checks_html=report(
            f"{RESULTS}/report/theory_checks.html",
            caption="../report/theory_checks.rst",
            category=report_category("report"),
            labels={"table": "verdicts: prediction vs measurement"},
        ),
        provenance_html=report(
            f"{RESULTS}/report/provenance.html",
            caption="../report/provenance.rst",
            category=report_category("provenance"),
            labels={"entry": "config, versions, commit, device, wall times"},
        ),
        wall_png=report(
            f"{RESULTS}/figures/report/wall_times.png",
            caption="../report/wall_times.rst",
            category=report_category("provenance"),
            labels={"entry": "wall time per rule (figure)"},
        ),
        tables=[
            report(
                f"{RESULTS}/report/tables/{name}.html",
                caption="../report/stage_table.rst",
                category=where["category"],
                subcategory=where["subcategory"],
                labels=report_rules.table_label(where, name),
            )
            for name, (stage, _) in REPORT_STAGE_TABLES.items()
            for where in [report_rules.table_placement(workflow, RESULTS, stage)]
        ],
    params:
        stage_tables={name: csv for name, (_, csv) in REPORT_STAGE_TABLES.items()},
        bench_patterns=lambda wc: report_rules.benchmark_patterns(workflow),
        report_patterns=lambda wc: [p for p, _ in report_rules.report_entries(workflow)],
        configfiles=[str(f) for f in workflow.configfiles],
        stage_order=list(report_rules.STAGE_ORDER),
        digits=config["report"]["digits"],
        strict=config["strict"],
    log:
        f"{LOGS}/report/report_tables.log",
    benchmark:
        f"{BENCH}/report/report_tables.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/report_tables.py"


final_outputs("report", rules.report_tables)
