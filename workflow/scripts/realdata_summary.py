from pipeline.stages import run_rule
from pipeline.stages.realdata import rule_summary

run_rule(rule_summary, snakemake)
