"""Rule train -> pipeline.stages.train.rule_train (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.train import rule_train

run_rule(rule_train, snakemake)
