"""Rule ntk_init -> pipeline.stages.ntk.rule_init (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.ntk import rule_init

run_rule(rule_init, snakemake)
