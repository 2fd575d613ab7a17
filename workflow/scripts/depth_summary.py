"""Rule depth_summary -> pipeline.stages.depth.rule_summary (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.depth import rule_summary

run_rule(rule_summary, snakemake)
