"""One module per Snakemake stage: functions the workflow/scripts adapters call."""
