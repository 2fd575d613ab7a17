"""Rule depth_trainability -> pipeline.stages.depth_trainability.rule_trainability (run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.depth_trainability import rule_trainability

run_rule(rule_trainability, snakemake)
