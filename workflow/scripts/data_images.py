"""Thin adapter: Snakemake rule data_images -> pipeline.stages.data."""

from pipeline.stages.data import make_images

make_images(snakemake.wildcards.imageset, snakemake.params.section, snakemake.params.seed,  # noqa: F821
            snakemake.output.npz, snakemake.log[0], snakemake.config)  # noqa: F821
