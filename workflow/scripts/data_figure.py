"""Rule data_figure -> pipeline.stages.data_plots.rule_figure (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.data_plots import rule_figure

run_rule(rule_figure, snakemake)
