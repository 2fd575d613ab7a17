from pipeline.stages import run_rule
from pipeline.stages.regimes import rule_summary

run_rule(rule_summary, snakemake)
