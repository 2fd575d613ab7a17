"""Thin adapter: Snakemake rule convergence_fit -> pipeline.stages.convergence."""

from pipeline.stages.convergence import fit_width

fit_width(snakemake.input.train, snakemake.input.kinf, snakemake.output.npz, snakemake.output.csv,  # noqa: F821
          snakemake.params.section, snakemake.wildcards.arch, snakemake.log[0])  # noqa: F821
