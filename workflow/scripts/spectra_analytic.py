from pipeline.stages import run_rule
from pipeline.stages.spectra import rule_analytic

run_rule(rule_analytic, snakemake)
