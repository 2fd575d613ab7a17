"""Thin adapter: Snakemake rule train -> pipeline.stages.train.train_width."""

from pipeline.stages.train import train_width

train_width(snakemake.wildcards.arch, int(snakemake.wildcards.width), snakemake.params.section,  # noqa: F821
            snakemake.params.seed, snakemake.input.data, snakemake.output.npz, snakemake.log[0],  # noqa: F821
            x64=snakemake.params.x64, config=snakemake.config)  # noqa: F821
