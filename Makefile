# ntk-pipeline. Two commands do everything on a fresh machine (Python 3.11 and PyPI reachable):
#   make run    set up .venv if needed, run the whole pipeline on config/config.yaml, build the report
#   make test   set up .venv if needed, run the tests
# Other targets: make install | report | test-fast | lint | format | lock | clean | bench

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= config/config.yaml
CORES  ?= all
SNAKE  := $(BIN)/snakemake --snakefile workflow/Snakefile --configfile $(CONFIG)
export PATH := $(BIN):$(PATH)
export XLA_PYTHON_CLIENT_PREALLOCATE := false

.PHONY: install run report test test-fast lint format lock clean bench

install: $(STAMP)

# Re-installs only when the lock or pyproject changes: near-instant when .venv is up to date.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "ntk-pipeline needs Python 3.11, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --editable .
	@touch $@

# WORKDIR: where results/ and .snakemake/ live; REPORT (relative to WORKDIR): the report file,
# default <results>/report.html of CONFIG; name it .zip for a large report (figures as files).
WORKDIR ?= .
REPORT ?= $(shell $(BIN)/python -c 'import sys, yaml; print((yaml.safe_load(open(sys.argv[1])) or {}).get("results", "results"))' $(CONFIG) 2>/dev/null || echo results)/report.html

run: $(STAMP)
	$(SNAKE) --directory $(WORKDIR) --cores $(CORES)
	$(SNAKE) --directory $(WORKDIR) --report $(REPORT)

# Rebuild tables and report from existing results in seconds: only rule report_tables may run
# (every upstream output is taken as it is, nothing is retrained), forced so it always refreshes.
report: $(STAMP)
	$(SNAKE) --directory $(WORKDIR) report_tables --cores $(CORES) --allowed-rules report_tables \
		--forcerun report_tables
	$(SNAKE) --directory $(WORKDIR) --report $(REPORT)

test: $(STAMP)
	$(BIN)/python -m pytest -ra --durations=15

# Unit tests only (no Snakemake run): the edit-test loop, <= 3 minutes on 2 cores.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -ra -m "not slow and not slurm and not browser and not reliability"

# ruff (lint + format check) for Python, snakefmt for the Snakefile and rule files; `make format` fixes.
SMK := workflow/Snakefile workflow/rules
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check $(SMK)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt $(SMK)

bench: $(STAMP)
	$(BIN)/python benchmarks/ntk_speed.py

# Regenerate requirements.lock from pyproject.toml (neural-tangents without tensorflow/tf2jax).
lock:
	$(BIN)/uv pip compile pyproject.toml --override overrides.txt --python-version 3.11 \
		--universal --quiet -o requirements.lock

# Removes what the stages write under results/ (folders from the stage registry, pipeline/stages).
clean:
	cd results && rm -rf $$(cd .. && $(PYTHON) -m pipeline.stages)
