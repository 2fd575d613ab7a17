from pipeline.stages import run_rule
from pipeline.stages.spectra import rule_gram

run_rule(rule_gram, snakemake)
