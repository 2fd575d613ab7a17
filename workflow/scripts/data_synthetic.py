"""Rule data_synthetic -> pipeline.stages.data.rule_synthetic (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.data import rule_synthetic

run_rule(rule_synthetic, snakemake)
