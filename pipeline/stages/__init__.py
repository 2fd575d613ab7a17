"""One module per Snakemake stage (functions the workflow/scripts adapters call), and the stage
registry ``STAGES``: the one place that lists the stages.

Each ``Stage`` names

- ``name``: its rule file ``workflow/rules/<name>.smk``, its config section and schema file
  ``workflow/schemas/<name>.schema.yaml`` (when it has one), its checks file
  ``results/checks/<name>.csv`` and its module ``pipeline/stages/<name>.py``;
- ``title``: the report category of its figures and tables (one per stage; the category's name is
  ``report_category(name)``: the title behind the stage's position, "02 NTK at initialisation");
- ``folders``: what it writes under ``results/`` besides tables/checks/logs/benchmarks
  (``make clean`` removes these).

The Snakefile includes the rule files in this order (the report last: it sees every other stage's
final outputs), the report sorts the verdict table in this order and the config schema takes one
section per stage from it. Adding a stage is one line here (see CONTRIBUTING.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    folders: tuple[str, ...]


STAGES = (
    Stage("data", "Data", ("data", "figures/data")),
    Stage("ntk", "NTK at initialisation", ("ntk", "figures/ntk")),
    Stage("train", "Lazy training", ("train", "figures/train")),
    Stage("convergence", "Convergence and spectral bias", ("convergence", "figures/convergence")),
    Stage("fourier", "Fourier features", ("fourier", "figures/fourier")),
    Stage("realdata", "Real data", ("realdata", "figures/realdata")),
    Stage("spectra", "Spectra", ("spectra", "figures/spectra")),
    Stage("regimes", "Regimes", ("regimes", "figures/regimes")),
    Stage("depth", "Depth and activations", ("depth", "figures/depth")),
    Stage("report", "Theory checks", ("report", "figures/report", "report.html")),
)

STAGE_NAMES = tuple(s.name for s in STAGES)
STAGE_TITLES = {s.name: s.title for s in STAGES}
# folders every stage shares: tables, verdicts, logs and benchmarks
SHARED_FOLDERS = ("tables", "checks", "logs", "benchmarks")
# report categories that are not a stage's, after the stages' (name -> title)
EXTRA_CATEGORIES = {"provenance": "Provenance"}


def report_category(name: str) -> str:
    """The Snakemake report category of stage ``name`` (or of an ``EXTRA_CATEGORIES`` entry): its
    1-based position in the registry, zero-padded, then its title: "01 Data", "02 NTK at
    initialisation", ..., "10 Theory checks", "11 Provenance".

    The report's menu sorts categories by name (``localeCompare`` in snakemake's
    report/html_reporter/template/components/menu.js); the equal-width number makes that order the
    registry's. Every ``category=`` of the rule files and every caption link to a category
    (```02 NTK at initialisation`_``) uses this name.
    """
    names = list(STAGE_NAMES) + list(EXTRA_CATEGORIES)
    titles = {**STAGE_TITLES, **EXTRA_CATEGORIES}
    if name not in titles:
        raise KeyError(f"no stage or report category {name!r}; stages: {list(STAGE_NAMES)}")
    width = len(str(len(names)))
    return f"{names.index(name) + 1:0{width}d} {titles[name]}"


def stage(name: str) -> Stage:
    for s in STAGES:
        if s.name == name:
            return s
    raise KeyError(f"no stage {name!r}; stages: {list(STAGE_NAMES)}")


def results_folders() -> list[str]:
    """Every path under results/ that the pipeline writes (for ``make clean``)."""
    return [f for s in STAGES for f in s.folders] + list(SHARED_FOLDERS)


def run_rule(entry, smk) -> None:
    """Call a stage's rule entry with the Snakemake job's fields as keywords (workflow/scripts/).

    Every rule entry has ONE keyword signature, as flax examples' ``train_and_evaluate(config,
    workdir)``::

        def rule_<name>(*, input, output, params, wildcards, log, config) -> None

    ``input`` / ``output`` / ``params`` / ``wildcards`` are Snakemake's named lists (attribute
    access by the names in the rule: ``input.data``, ``output.npz``), ``log`` the job's log file
    (None when the rule has no log) and ``config`` the validated config. The entry unpacks them
    and calls the stage's typed function, which tests call directly.
    """
    entry(
        input=smk.input,
        output=smk.output,
        params=smk.params,
        wildcards=smk.wildcards,
        log=smk.log[0] if len(smk.log) else None,
        config=smk.config,
    )
