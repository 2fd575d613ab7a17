"""Thin adapter: Snakemake rule ntk_analytic -> pipeline.stages.ntk."""

from pipeline.stages.ntk import analytic

analytic(snakemake.input.data, snakemake.params.section, snakemake.output.npz,  # noqa: F821
         snakemake.log[0], snakemake.config)  # noqa: F821
