"""`python -m pipeline.stages`: the results/ folders the stages write (for the Makefile's clean)."""

from pipeline.stages import results_folders

print(" ".join(results_folders()))
