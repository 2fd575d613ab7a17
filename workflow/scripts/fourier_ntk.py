"""Thin adapter: Snakemake rule fourier_ntk -> pipeline.stages.fourier."""

from pipeline.stages.fourier import ntk_mappings

ntk_mappings(snakemake.params.section, snakemake.params.seed, snakemake.output.npz,  # noqa: F821
             snakemake.output.fig_kernels, snakemake.output.fig_demo, snakemake.log[0],  # noqa: F821
             config=snakemake.config)  # noqa: F821
