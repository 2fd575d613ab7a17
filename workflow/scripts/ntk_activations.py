"""Rule ntk_activations -> pipeline.stages.ntk_activations.rule_activations (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.ntk_activations import rule_activations

run_rule(rule_activations, snakemake)
