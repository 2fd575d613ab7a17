"""Rule depth_theory -> pipeline.stages.depth.rule_theory (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.depth import rule_theory

run_rule(rule_theory, snakemake)
