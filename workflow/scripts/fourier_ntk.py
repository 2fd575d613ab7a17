"""Rule fourier_ntk -> pipeline.stages.fourier.rule_ntk (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.fourier import rule_ntk

run_rule(rule_ntk, snakemake)
