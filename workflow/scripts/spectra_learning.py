from pipeline.stages import run_rule
from pipeline.stages.spectra import rule_learning

run_rule(rule_learning, snakemake)
