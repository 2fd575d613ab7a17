"""Rule fourier_train -> pipeline.stages.fourier.rule_train (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.fourier import rule_train

run_rule(rule_train, snakemake)
