"""Thin adapter: Snakemake rule train_jacot_figure -> pipeline.stages.train.jacot_figure."""

from pipeline.stages.train import jacot_figure

jacot_figure(list(snakemake.input.runs), snakemake.params.section, snakemake.output.fig,  # noqa: F821
             snakemake.log[0], config=snakemake.config)  # noqa: F821
