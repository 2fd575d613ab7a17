"""Rule ntk_analytic -> pipeline.stages.ntk.rule_analytic (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.ntk import rule_analytic

run_rule(rule_analytic, snakemake)
