from pipeline.stages import run_rule
from pipeline.stages.realdata import rule_regression

run_rule(rule_regression, snakemake)
