"""Rule data_images -> pipeline.stages.data.rule_images (see pipeline.stages.run_rule)."""

from pipeline.stages import run_rule
from pipeline.stages.data import rule_images

run_rule(rule_images, snakemake)
