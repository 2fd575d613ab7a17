"""Thin adapter: Snakemake rule fourier_sweep -> pipeline.stages.fourier (Gaussian mapping at one sigma)."""

from pipeline.stages.fourier import train_mapping

train_mapping(snakemake.wildcards.imageset, "gaussian", snakemake.input.data, snakemake.output.npz,  # noqa: F821
              snakemake.params.section, snakemake.params.seed, snakemake.log[0],  # noqa: F821
              sigma=float(snakemake.wildcards.sigma), config=snakemake.config)  # noqa: F821
