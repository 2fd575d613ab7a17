"""Thin adapter: Snakemake rule ntk_init -> pipeline.stages.ntk."""

from pipeline.stages.ntk import init_width

init_width(int(snakemake.wildcards.width), snakemake.input.data, snakemake.input.analytic,  # noqa: F821
           snakemake.params.section, snakemake.params.seed, snakemake.params.x64,  # noqa: F821
           snakemake.output.npz, snakemake.log[0], snakemake.config)  # noqa: F821
