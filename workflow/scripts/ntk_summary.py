"""Rule ntk_summary -> pipeline.stages.ntk.rule_summary (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.ntk import rule_summary

run_rule(rule_summary, snakemake)
