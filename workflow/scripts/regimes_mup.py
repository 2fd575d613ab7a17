from pipeline.stages import run_rule
from pipeline.stages.regimes import rule_mup

run_rule(rule_mup, snakemake)
