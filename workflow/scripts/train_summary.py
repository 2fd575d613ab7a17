"""Thin adapter: Snakemake rule train_summary -> pipeline.stages.train.summarise."""

from pipeline.stages.train import summarise

out = snakemake.output  # noqa: F821
summarise(list(snakemake.input.runs), snakemake.params.runs, snakemake.params.section,  # noqa: F821
          out.table, out.exponents, out.checks,
          {"lazy_vs_width": out.fig_lazy, "weights_heatmap": out.fig_heatmap, "loss_curves": out.fig_loss,
           "linearized_outputs": out.fig_lin}, snakemake.log[0], config=snakemake.config)  # noqa: F821
