"""Rule convergence_kinf -> pipeline.stages.convergence.rule_kinf (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.convergence import rule_kinf

run_rule(rule_kinf, snakemake)
