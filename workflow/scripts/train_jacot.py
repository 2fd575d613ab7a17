"""Rule train_jacot -> pipeline.stages.train.rule_jacot (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.train import rule_jacot

run_rule(rule_jacot, snakemake)
