"""Thin adapter: Snakemake rule data_synthetic -> pipeline.stages.data."""

from pipeline.stages.data import make_synthetic

make_synthetic(snakemake.wildcards.dataset, snakemake.params.section, snakemake.params.seed,  # noqa: F821
               snakemake.output.npz, snakemake.log[0], snakemake.config)  # noqa: F821
