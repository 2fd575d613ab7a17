"""tools/seeds.py: the check x seed verdict table from synthetic theory_checks.csv files (no Snakemake)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location("seeds_tool", ROOT / "tools" / "seeds.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


seeds = _load_tool()

# per seed: check id -> verdict; "a" flips pass/fail, "b" is pass/inconclusive, "c" agrees everywhere
VERDICTS = {
    1: {"a": "pass", "b": "pass", "c": "pass", "d": "fail"},
    2: {"a": "fail", "b": "inconclusive", "c": "pass", "d": "fail"},
    3: {"a": "pass", "b": "pass", "c": "pass", "d": "fail"},
}
STAGES = {"a": "ntk", "b": "train", "c": "spectra", "d": "regimes"}
KINDS = {"a": "prediction", "b": "prediction", "c": "identity", "d": "prediction"}


def _write_table(folder: Path, verdicts: dict[str, str], with_kind: bool = True) -> None:
    (folder / "tables").mkdir(parents=True)
    df = pd.DataFrame(
        {
            "check": list(verdicts),
            "stage": [STAGES[c] for c in verdicts],
            "kind": [KINDS[c] for c in verdicts],
            "prediction": "some prediction",
            "measured": 1.0,
            "passed": [v == "pass" for v in verdicts.values()],
            "verdict": list(verdicts.values()),
        }
    )
    if not with_kind:
        df = df.drop(columns="kind")
    df.to_csv(folder / "tables" / "theory_checks.csv", index=False)


@pytest.fixture
def three_seeds(tmp_path):
    for seed, v in VERDICTS.items():
        _write_table(tmp_path / f"results_seed{seed}", v)
    tables = {f"seed {s}": seeds.read_checks(tmp_path / f"results_seed{s}") for s in VERDICTS}
    return seeds.verdict_table(tables), list(tables)


def test_table_has_one_verdict_per_check_and_seed(three_seeds):
    table, labels = three_seeds
    assert list(table.columns) == ["check", "stage", "kind", "seed 1", "seed 2", "seed 3", "flip"]
    assert list(table["check"]) == ["a", "b", "c", "d"]
    by_check = table.set_index("check")
    for seed, v in VERDICTS.items():
        for check, verdict in v.items():
            assert by_check.loc[check, f"seed {seed}"] == verdict
    assert by_check.loc["c", "kind"] == "identity" and by_check.loc["a", "stage"] == "ntk"


def test_pass_fail_is_a_flip_and_inconclusive_pass_is_not(three_seeds):
    table, labels = three_seeds
    marks = dict(zip(table["check"], table["flip"]))
    assert marks == {"a": "flip", "b": "varies", "c": "", "d": ""}
    assert seeds.flips(table) == ["a"]
    line = seeds.summary_line(table, labels)
    assert line.startswith("4 checks x 3 seeds: 1 pass/fail flips (a)")
    assert "b" in line.split(";", 1)[1]  # the pass/inconclusive difference is visible, not a flip
    md = seeds.to_markdown(table, labels)
    assert "| a | ntk | prediction | **pass** | **fail** | **pass** | **flip** |" in md
    assert md.rstrip().endswith(line + ".")


def test_error_column_and_absent_check_are_not_flips(tmp_path):
    _write_table(tmp_path / "r1", {"a": "pass", "b": "fail"})
    _write_table(tmp_path / "r2", {"a": "fail"}, with_kind=False)  # old table: no kind column, no "b"
    tables = {"seed 1": seeds.read_checks(tmp_path / "r1"), "seed 2": seeds.read_checks(tmp_path / "r2")}
    tables["seed 3"] = None  # a failed run
    table = seeds.verdict_table(tables).set_index("check")
    assert list(table.loc["a", ["seed 1", "seed 2", "seed 3"]]) == ["pass", "fail", "error"]
    assert list(table.loc["b", ["seed 1", "seed 2", "seed 3"]]) == ["fail", "-", "error"]
    assert table.loc["a", "flip"] == "flip" and table.loc["b", "flip"] == ""
    assert seeds.flip_mark(["pass", "error", "-", "pass"]) == ""


def test_old_table_without_kind_is_prediction(tmp_path):
    _write_table(tmp_path / "old", {"c": "pass"}, with_kind=False)
    table = seeds.verdict_table({"seed 1": seeds.read_checks(tmp_path / "old")})
    assert table.loc[0, "kind"] == "prediction"
    # an old table first (e.g. the default run) does not hide the kind a newer table gives
    _write_table(tmp_path / "new", {"c": "pass"})
    tables = {
        "results (seed 0)": seeds.read_checks(tmp_path / "old"),
        "seed 1": seeds.read_checks(tmp_path / "new"),
    }
    assert seeds.verdict_table(tables).loc[0, "kind"] == "identity"


def test_missing_folder_or_table_names_it(tmp_path):
    with pytest.raises(seeds.SeedsError, match="results_seed7") as err:
        seeds.read_checks(tmp_path / "results_seed7")
    assert "\n" not in str(err.value)
    (tmp_path / "results_seed8").mkdir()
    with pytest.raises(seeds.SeedsError, match=r"results_seed8/ has no tables/theory_checks\.csv"):
        seeds.read_checks(tmp_path / "results_seed8")


def test_command_line_of_one_seed():
    cmd = seeds.snakemake_command("config/paper.yaml", 2, cores="8")
    assert cmd == [
        ".venv/bin/snakemake",
        "--snakefile",
        "workflow/Snakefile",
        "--configfile",
        "config/paper.yaml",
        "--config",
        "seed=2",
        "results=results_seed2",
        "--cores",
        "8",
    ]
    assert "--report" not in cmd


def test_default_run_folder_and_seed_from_config(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("seed: 5\n")
    assert seeds.config_results_and_seed(overlay) == ("results", 5)
    overlay.write_text("results: elsewhere\n")
    assert seeds.config_results_and_seed(overlay) == ("elsewhere", 0)


def test_table_only_cli_writes_markdown_and_csv(tmp_path, monkeypatch, capsys):
    (tmp_path / "workflow").mkdir()
    (tmp_path / "workflow" / "Snakefile").write_text("")
    for seed, v in VERDICTS.items():
        _write_table(tmp_path / f"results_seed{seed}", v)
    monkeypatch.chdir(tmp_path)
    assert seeds.main(["--table-only", "--config", str(ROOT / "config" / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert "PASS/FAIL FLIP(S) ACROSS SEEDS: a" in out
    assert "4 checks x 3 seeds: 1 pass/fail flips (a)" in (tmp_path / "results_seeds.md").read_text()
    csv = pd.read_csv(tmp_path / "results_seeds.csv", keep_default_na=False)
    assert list(csv["flip"]) == ["flip", "varies", "", ""]
    # a seed asked for without its folder: exit 2, one line naming it
    assert seeds.main(["--table-only", "--seeds", "1", "9"]) == 2
    err = capsys.readouterr().err
    assert "results_seed9" in err and err.count("\n") == 1
