"""Thin adapter: Snakemake rule fourier_aggregate -> pipeline.stages.fourier."""

from pipeline.stages.fourier import aggregate

aggregate(list(snakemake.input.runs), list(snakemake.input.sweep), snakemake.input.ntk,  # noqa: F821
          dict(zip(snakemake.params.imagesets, snakemake.input.data)), dict(snakemake.output.items()),  # noqa: F821
          snakemake.params.section, snakemake.log[0], config=snakemake.config)  # noqa: F821
