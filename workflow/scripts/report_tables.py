"""Rule report_tables -> pipeline.stages.report.rule_tables (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.report import rule_tables

run_rule(rule_tables, snakemake)
