"""Thin adapter: Snakemake rule data_figure -> pipeline.stages.data_plots."""

from pipeline.stages.data_plots import overview

i = snakemake.input  # noqa: F821
overview({p.rsplit("/", 1)[-1][:-4]: p for p in i.synthetic},  # results/data/<name>.npz
         {p.rsplit("/", 1)[-1][len("images_"):-4]: p for p in i.images},  # results/data/images_<set>.npz
         snakemake.output.fig, snakemake.log[0], section=snakemake.params.section,  # noqa: F821
         config=snakemake.config)  # noqa: F821
