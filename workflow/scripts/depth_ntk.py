"""Rule depth_ntk -> pipeline.stages.depth.rule_ntk (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.depth import rule_ntk

run_rule(rule_ntk, snakemake)
