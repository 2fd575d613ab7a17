"""Rule depth_nets -> pipeline.stages.depth.rule_nets (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.depth import rule_nets

run_rule(rule_nets, snakemake)
