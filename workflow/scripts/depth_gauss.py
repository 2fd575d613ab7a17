"""Rule depth_gauss -> pipeline.stages.depth.rule_gauss (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.depth import rule_gauss

run_rule(rule_gauss, snakemake)
