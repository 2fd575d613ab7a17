"""Thin adapter: Snakemake rule ntk_summary -> pipeline.stages.ntk."""

from pipeline.stages.ntk import summarize

o = snakemake.output  # noqa: F821
summarize(list(snakemake.input.inits), snakemake.input.analytic, snakemake.params.section,  # noqa: F821
          o.table, o.exponents, o.checks, o.fig_error, o.fig_heatmaps, snakemake.log[0], snakemake.config)  # noqa: F821
