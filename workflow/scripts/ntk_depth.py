"""Rule ntk_depth -> pipeline.stages.ntk_depth.rule_depth (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.ntk_depth import rule_depth

run_rule(rule_depth, snakemake)
