"""Thin adapter: Snakemake rule convergence_summary -> pipeline.stages.convergence."""

from pipeline.stages.convergence import summarise

out = snakemake.output  # noqa: F821
summarise(list(snakemake.input.csvs), list(snakemake.input.npzs), list(snakemake.input.kinfs),  # noqa: F821
          snakemake.params.runs, snakemake.params.archs, out.table, out.checks,  # noqa: F821
          {"rate_error": out.fig_rate_error, "spectral_bias": out.fig_spectral_bias,
           "spectrum": out.fig_spectrum, "loss_curves": out.fig_loss_curves},
          snakemake.params.section, snakemake.log[0])  # noqa: F821
