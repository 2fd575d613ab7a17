from pipeline.stages import run_rule
from pipeline.stages.regimes import rule_circle

run_rule(rule_circle, snakemake)
