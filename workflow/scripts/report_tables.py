"""Thin adapter: Snakemake rule report_tables -> pipeline.stages.report."""

from pathlib import Path

from pipeline.stages.report import make_report_tables

sm = snakemake  # noqa: F821
make_report_tables(list(sm.input.checks), {k: v for k, v in sm.output.items()}, config=sm.config,
                   configfiles=sm.params.configfiles, results=str(Path(sm.output.checks_csv).parent.parent),
                   stage_tables=sm.params.stage_tables, bench_patterns=sm.params.bench_patterns,
                   report_patterns=sm.params.report_patterns, digits=sm.params.digits,
                   strict=sm.params.strict, stage_order=sm.params.stage_order, log=sm.log[0],
                   exclude_rules=(sm.rule,))
