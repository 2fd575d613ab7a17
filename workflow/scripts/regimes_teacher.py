from pipeline.stages import run_rule
from pipeline.stages.regimes import rule_teacher

run_rule(rule_teacher, snakemake)
