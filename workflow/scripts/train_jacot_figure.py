"""Rule train_jacot_figure -> pipeline.stages.train.rule_jacot_figure (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.train import rule_jacot_figure

run_rule(rule_jacot_figure, snakemake)
