from pipeline.stages import run_rule
from pipeline.stages.realdata import rule_fig3

run_rule(rule_fig3, snakemake)
