"""Thin adapter: Snakemake rule train_jacot -> pipeline.stages.train.jacot_width."""

from pipeline.stages.train import jacot_width

jacot_width(int(snakemake.wildcards.width), snakemake.params.section, snakemake.params.seed,  # noqa: F821
            snakemake.input.data, snakemake.output.npz, snakemake.log[0],  # noqa: F821
            x64=snakemake.params.x64, config=snakemake.config)  # noqa: F821
