from pipeline.stages import run_rule
from pipeline.stages.realdata import rule_data

run_rule(rule_data, snakemake)
