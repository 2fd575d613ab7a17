"""Rule train_summary -> pipeline.stages.train.rule_summary (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.train import rule_summary

run_rule(rule_summary, snakemake)
