"""Thin adapter: Snakemake rule convergence_kinf -> pipeline.stages.convergence."""

from pipeline.stages.convergence import analytic_kernel

analytic_kernel(snakemake.input.train, snakemake.output.npz, snakemake.log[0],  # noqa: F821
                snakemake.params.section, snakemake.wildcards.arch)  # noqa: F821
