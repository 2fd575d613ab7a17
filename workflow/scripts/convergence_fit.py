"""Rule convergence_fit -> pipeline.stages.convergence.rule_fit (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.convergence import rule_fit

run_rule(rule_fit, snakemake)
