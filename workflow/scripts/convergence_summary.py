"""Rule convergence_summary -> pipeline.stages.convergence.rule_summary (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.convergence import rule_summary

run_rule(rule_summary, snakemake)
