"""Rule fourier_summary -> pipeline.stages.fourier.rule_summary (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.fourier import rule_summary

run_rule(rule_summary, snakemake)
