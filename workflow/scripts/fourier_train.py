"""Thin adapter: Snakemake rule fourier_train -> pipeline.stages.fourier."""

from pipeline.stages.fourier import train_mapping

train_mapping(snakemake.wildcards.imageset, snakemake.wildcards.mapping, snakemake.input.data,  # noqa: F821
              snakemake.output.npz, snakemake.params.section, snakemake.params.seed, snakemake.log[0],  # noqa: F821
              config=snakemake.config)  # noqa: F821
