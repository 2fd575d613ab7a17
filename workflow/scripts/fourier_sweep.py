"""Rule fourier_sweep -> pipeline.stages.fourier.rule_sweep (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.fourier import rule_sweep

run_rule(rule_sweep, snakemake)
