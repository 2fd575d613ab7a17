from pipeline.stages import run_rule
from pipeline.stages.spectra import rule_summary

run_rule(rule_summary, snakemake)
