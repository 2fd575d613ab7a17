# ntk-pipeline. Two commands do everything on a fresh machine (Python 3.11 and PyPI reachable):
#   make run    set up .venv if needed, run the whole pipeline on config/config.yaml, build the report
#   make test   set up .venv if needed, run the tests
# Other targets: make install | report | test-fast | lint | format | lock | clean | bench | seeds

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
.PHONY: plan gpu-check test-newest-jax seeds

install: $(STAMP)

# Re-installs only when the lock, pyproject or this file changes: near-instant when .venv is up to date.
# Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every job
# would otherwise recompile jax, scipy, matplotlib, ... from source, about 8 s of each job's start.
$(STAMP): requirements.lock pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "ntk-pipeline needs Python 3.11, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --editable .
	@touch $@

# The project's own modules: recompiled when edited (a no-op otherwise), before every run and test.
PYC := $(BIN)/python -m compileall -q pipeline tools workflow/scripts tests benchmarks >/dev/null

# WORKDIR: where results/ and .snakemake/ live; REPORT (relative to WORKDIR): the report file,
# default <results>/report.html of CONFIG; name it .zip for a large report (figures as files).
WORKDIR ?= .
REPORT ?= $(shell $(BIN)/python -c 'import sys, yaml; print((yaml.safe_load(open(sys.argv[1])) or {}).get("results", "results"))' $(CONFIG) 2>/dev/null || echo results)/report.html

run: $(STAMP)
	@$(PYC)
	$(SNAKE) --directory $(WORKDIR) --cores $(CORES)
	$(SNAKE) --directory $(WORKDIR) --report $(REPORT)

# Robustness over master seeds: rerun the pipeline on CONFIG once per seed of SEEDS, one run after
# another (each with CORES), into results_seed<N>/ (outputs, logs, benchmarks; no report), then a
# check x seed table of verdicts with pass/fail flips: results_seeds.md and results_seeds.csv.
SEEDS ?= 1 2 3
seeds: $(STAMP)
	@$(PYC)
	$(BIN)/python tools/seeds.py --config $(CONFIG) --seeds $(SEEDS) --cores $(CORES) \
		--snakemake $(BIN)/snakemake --out results_seeds.md

# Rebuild tables and report from existing results in seconds: only rule report_tables may run
# (every upstream output is taken as it is, nothing is retrained), forced so it always refreshes.
report: $(STAMP)
	@$(PYC)
	$(SNAKE) --directory $(WORKDIR) report_tables --cores $(CORES) --allowed-rules report_tables \
		--forcerun report_tables
	$(SNAKE) --directory $(WORKDIR) --report $(REPORT)

test: $(STAMP)
	@$(PYC)
	$(BIN)/python -m pytest -ra --durations=15

# Unit tests only (no Snakemake process): the edit-test loop.
test-fast: $(STAMP)
	@$(PYC)
	$(BIN)/python -m pytest -ra -m "not slow and not slurm and not browser and not reliability and not integration"

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
	$(BIN)/python benchmarks/dual_kernel_speed.py

# Regenerate requirements.lock from pyproject.toml (neural-tangents without tensorflow/tf2jax).
lock:
	$(BIN)/uv pip compile pyproject.toml --override overrides.txt --python-version 3.11 \
		--universal --quiet -o requirements.lock

# Removes what the stages write under results/ (folders from the stage registry, pipeline/stages).
clean:
	cd results && rm -rf $$(cd .. && $(PYTHON) -m pipeline.stages)

# Cost model: jobs, GFLOP and peak MB per job, predicted wall time on this machine (matmul probe) and
# on one GPU, per rule, without training. GPU_TFLOPS / GPU_MEM_GB: the card (default H100-class);
# COMPARE=results adds the measured wall time of a finished run (its benchmark TSVs).
GPU_TFLOPS ?= 60
GPU_MEM_GB ?= 80
COMPARE ?=
plan: $(STAMP)
	$(BIN)/python tools/plan.py --config $(CONFIG) --gpu-tflops $(GPU_TFLOPS) --gpu-mem-gb $(GPU_MEM_GB) \
		$(if $(COMPARE),--compare $(COMPARE))

# The GPU rules' compute at paper scale for a bounded time (<= 5 min on one GPU); any JAX, no
# Snakemake, no neural-tangents. GPU_CHECK_ARGS=--tiny for a quick CPU run.
GPU_CHECK_ARGS ?=
gpu-check: $(STAMP)
	$(BIN)/python tools/gpu_check.py --out results/gpu_check.json $(GPU_CHECK_ARGS)

# The NT-free unit tests and `gpu_check.py --tiny` on the NEWEST jax from PyPI, in a throw-away venv
# without neural-tangents and Snakemake: a jax API change shows up before a GPU user hits it.
# NT_FREE_TESTS: test modules that import neither neural_tangents, pipeline.nt_compat nor
# snakemake, directly or through pipeline.ntk_analytic.nt_kernels (checked against jax 0.10.2).
NEWEST_VENV ?= $(CURDIR)/.venv-newest-jax
NT_FREE_TESTS ?= tests/test_datasets.py tests/test_fourier_features.py tests/test_fourier_regression.py \
	tests/test_train.py tests/test_parameterisations.py tests/test_fits_checks.py tests/test_rate_fit.py \
	tests/test_config.py tests/test_cost_model.py tests/test_gpu_check.py
# ... less their tests that compare with neural-tangents' kernels (ntk_analytic.nt_kernels)
NT_TESTS_DESELECT ?= \
	tests/test_fourier_features.py::test_analytic_ntk_of_mapped_inputs_is_stationary_only_with_a_mapping \
	tests/test_fourier_features.py::test_ntk_bandwidth_grows_with_sigma \
	tests/test_train.py::test_linearized_three_ways_agree_step_for_step
test-newest-jax: $(STAMP)
	rm -rf $(NEWEST_VENV)
	$(BIN)/uv venv --quiet --python $(BIN)/python $(NEWEST_VENV)
	$(BIN)/uv pip install --quiet --python $(NEWEST_VENV)/bin/python --upgrade jax numpy scipy optax jsonschema \
		pytest pandas pyyaml matplotlib seaborn scikit-image scikit-learn
	$(BIN)/uv pip install --quiet --python $(NEWEST_VENV)/bin/python --no-deps .
	@$(NEWEST_VENV)/bin/python -c 'import jax, numpy; print("newest jax", jax.__version__, "numpy", numpy.__version__)'
	JAX_PLATFORMS=cpu $(NEWEST_VENV)/bin/python $(CURDIR)/tools/gpu_check.py --tiny
	JAX_PLATFORMS=cpu $(NEWEST_VENV)/bin/python -m pytest -ra -p no:cacheprovider -m "not slow" $(NT_FREE_TESTS) \
		$(addprefix --deselect ,$(NT_TESTS_DESELECT))
	rm -rf $(NEWEST_VENV)
