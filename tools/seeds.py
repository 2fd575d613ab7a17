"""Robustness over master seeds: rerun the pipeline with other master seeds, then a check x seed table.

    .venv/bin/python tools/seeds.py --config config/config.yaml --seeds 1 2 3 [--cores all]
                                    [--out results_seeds.md] [--table-only]
    make seeds SEEDS="1 2 3" [CONFIG=...] [CORES=...]

Run from the repository root. Each seed N is one Snakemake run of workflow/Snakefile on CONFIG with
``--config seed=N results=results_seedN`` (``snakemake_command``): every output, log and benchmark of
that run lands under ``results_seedN/``. The runs go one after another (each uses all ``--cores``); a
failed run is reported with its exit code and its column is marked ``error``. ``--table-only`` runs
nothing and rebuilds the table from the existing ``results_seed*/`` folders (those of ``--seeds``, or
every one there is).

The table has one row per theory check (``tables/theory_checks.csv`` of each folder): check id, stage,
kind (``prediction`` | ``identity``; ``prediction`` for tables written before that column), one verdict
per seed (``pass`` | ``fail`` | ``inconclusive``; ``error`` for a failed run, ``-`` for a check that
seed's table lacks) and ``flip``: ``flip`` when the check passes in one seed and fails in another,
``varies`` when the verdicts differ otherwise (inconclusive vs pass or fail: not a flip). The default
run (CONFIG's own results folder and seed) is the first column when its table exists. Written as
markdown (``--out``) and CSV (same name, ``.csv``); the last line is the summary
"N checks x K seeds: F pass/fail flips (ids)". The exit status is 0 even with flips (a report); 2 when
a table to read is missing (one line naming the folder).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.checks import verdicts  # noqa: E402

TABLE = Path("tables") / "theory_checks.csv"
ERROR = "error"  # the verdict of every check in the column of a failed run
ABSENT = "-"  # a check that one seed's table lacks
FLIP, VARIES = "flip", "varies"
DEFAULT_SEEDS = (1, 2, 3)


class SeedsError(RuntimeError):
    """A folder or table to read is missing; the message is one line naming it."""


def seed_folder(seed: int) -> str:
    return f"results_seed{seed}"


def snakemake_command(
    config: str, seed: int, cores: str = "all", snakemake: str = ".venv/bin/snakemake"
) -> list[str]:
    """The Snakemake command line of one seed's run (the flags of ``make run``, no report)."""
    return [
        snakemake,
        "--snakefile",
        "workflow/Snakefile",
        "--configfile",
        str(config),
        "--config",
        f"seed={int(seed)}",
        f"results={seed_folder(seed)}",
        "--cores",
        str(cores),
    ]


def config_results_and_seed(config: str | Path) -> tuple[str, int]:
    """The results folder and master seed of the default run on ``config``: config/config.yaml (the
    Snakefile's base config) with ``config`` merged onto it, else the schema's defaults."""
    import yaml

    merged = {"results": "results", "seed": 0}
    for path in (ROOT / "config" / "config.yaml", Path(config)):
        if path.is_file():
            merged.update({k: v for k, v in (yaml.safe_load(path.read_text()) or {}).items() if k in merged})
    return str(merged["results"]), int(merged["seed"])


def read_checks(folder: str | Path):
    """The theory-check table of one results folder; SeedsError (one line naming it) when missing."""
    import pandas as pd

    folder = Path(folder)
    if not folder.is_dir():
        raise SeedsError(
            f"results folder {folder}/ does not exist (run `make seeds` first, or drop its seed)"
        )
    path = folder / TABLE
    if not path.is_file():
        raise SeedsError(f"results folder {folder}/ has no {TABLE} (its run did not finish)")
    return pd.read_csv(path)


def verdict_table(tables: dict):
    """The check x seed table: ``tables`` maps a column label (e.g. "seed 1") to a theory-check
    DataFrame, or to None for a failed run (every cell ``error``). Columns: check, stage, kind, one per
    label (in the order given), flip. Rows: every check of any table, in order of first appearance."""
    import pandas as pd

    rows: dict[str, dict] = {}
    for label, df in tables.items():
        if df is None:
            continue
        kinds = df["kind"] if "kind" in df else [None] * len(df)
        for check, stage, kind, verdict in zip(df["check"], df["stage"], kinds, verdicts(df)):
            row = rows.setdefault(str(check), {"check": str(check), "stage": str(stage), "kind": None})
            if row["kind"] is None and isinstance(kind, str):  # the first table that has the column
                row["kind"] = kind
            row[label] = verdict
    for row in rows.values():
        row["kind"] = row["kind"] or "prediction"  # tables written before the kind column
        for label, df in tables.items():
            row.setdefault(label, ERROR if df is None else ABSENT)
        row["flip"] = flip_mark([row[label] for label in tables])
    return pd.DataFrame(list(rows.values()), columns=["check", "stage", "kind", *tables, "flip"])


def flip_mark(cells: list[str]) -> str:
    """``flip`` when both pass and fail occur; ``varies`` when the verdicts differ otherwise
    (inconclusive beside pass or fail); "" when they agree. ``error`` / ``-`` cells are ignored."""
    seen = {c for c in cells if c in ("pass", "fail", "inconclusive")}
    if {"pass", "fail"} <= seen:
        return FLIP
    return VARIES if len(seen) > 1 else ""


def flips(table) -> list[str]:
    """Ids of the checks that pass in one seed and fail in another."""
    return [c for c, f in zip(table["check"], table["flip"]) if f == FLIP]


def summary_line(table, labels: list[str]) -> str:
    """'N checks x K seeds: F pass/fail flips (ids)', then the checks that only vary, if any."""
    f = flips(table)
    line = f"{len(table)} checks x {len(labels)} seeds: {len(f)} pass/fail flips ({', '.join(f) or 'none'})"
    varies = [c for c, m in zip(table["check"], table["flip"]) if m == VARIES]
    if varies:
        line += f"; {len(varies)} vary without a flip (inconclusive vs pass/fail: {', '.join(varies)})"
    return line


def verdict_counts(df) -> str:
    """'a pass, b fail, c inconclusive' of one theory-check table."""
    v = verdicts(df)
    return ", ".join(f"{v.count(x)} {x}" for x in ("pass", "fail", "inconclusive"))


def to_markdown(table, labels: list[str], header: str = "") -> str:
    """The table as markdown, flips in bold, the summary line at the end."""
    cols = ["check", "stage", "kind", *labels, "flip"]
    lines = [header, ""] if header else []
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        cells = [str(x) for x in row]
        if cells[-1] == FLIP:
            cells = [f"**{c}**" if c in ("pass", "fail", FLIP) else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", summary_line(table, labels) + "."]
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s} s" if m else f"{s} s"


def run_seeds(config: str, seeds: list[int], cores: str, snakemake: str) -> dict[int, int]:
    """Run the pipeline once per seed, one after another; the exit code of each run."""
    codes = {}
    for i, seed in enumerate(seeds, 1):
        cmd = snakemake_command(config, seed, cores, snakemake)
        print(f"[seeds] seed {seed} ({i}/{len(seeds)}): {' '.join(cmd)}", flush=True)
        t0 = time.monotonic()
        codes[seed] = subprocess.call(cmd)
        elapsed = _duration(time.monotonic() - t0)
        if codes[seed]:
            print(
                f"[seeds] seed {seed}: Snakemake FAILED with exit code {codes[seed]} after {elapsed}; "
                f"column marked {ERROR}, going on",
                flush=True,
            )
            continue
        try:
            counts = verdict_counts(read_checks(seed_folder(seed)))
        except SeedsError as err:
            counts = str(err)
        print(f"[seeds] seed {seed}: done in {elapsed}: {counts}", flush=True)
    return codes


def existing_seeds(base: Path = Path(".")) -> list[int]:
    """The seeds N of the results_seedN/ folders under ``base``, in increasing order."""
    found = []
    for p in base.glob("results_seed*"):
        tail = p.name.removeprefix("results_seed")
        if p.is_dir() and tail.isdigit():
            found.append(int(tail))
    return sorted(found)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config/config.yaml", help="the config file (as for make run)")
    ap.add_argument(
        "--seeds", type=int, nargs="+", help=f"master seeds (default {' '.join(map(str, DEFAULT_SEEDS))})"
    )
    ap.add_argument("--cores", default="all", help="Snakemake --cores of each run (default all)")
    ap.add_argument("--table-only", action="store_true", help="run nothing; table of existing results_seed*/")
    ap.add_argument("--out", default="results_seeds.md", help="markdown table; the CSV beside it (.csv)")
    ap.add_argument("--snakemake", default=".venv/bin/snakemake", help="the snakemake executable")
    args = ap.parse_args(argv)

    if not Path("workflow/Snakefile").is_file():
        print("seeds: run from the repository root (no workflow/Snakefile here)", file=sys.stderr)
        return 2
    if args.table_only:
        seeds = args.seeds or existing_seeds()
        if not seeds:
            print("seeds: --table-only and no results_seed<N>/ folder here", file=sys.stderr)
            return 2
        codes = dict.fromkeys(seeds, 0)
    else:
        seeds = args.seeds or list(DEFAULT_SEEDS)
        codes = run_seeds(args.config, seeds, args.cores, args.snakemake)

    tables = {}
    default_results, default_seed = config_results_and_seed(args.config)
    if (Path(default_results) / TABLE).is_file():
        tables[f"{default_results} (seed {default_seed})"] = read_checks(default_results)
    try:
        for seed in seeds:
            tables[f"seed {seed}"] = None if codes[seed] else read_checks(seed_folder(seed))
    except SeedsError as err:
        print(f"seeds: {err}", file=sys.stderr)
        return 2

    labels = list(tables)
    table = verdict_table(tables)
    failed = [f"seed {s} (exit {c})" for s, c in codes.items() if c]
    header = (
        f"Theory-check verdicts over master seeds, config `{args.config}` "
        f"(columns: `results_seed<N>/`, and the default run's folder when present)."
    )
    if failed:
        header += f" Failed runs, marked {ERROR}: {', '.join(failed)}."
    md = to_markdown(table, labels, header)
    out = Path(args.out)
    out.write_text(md)
    table.to_csv(out.with_suffix(".csv"), index=False)
    print(md, end="")
    f = flips(table)
    if f:
        bar = "!" * 78
        print(f"{bar}\n!!! {len(f)} PASS/FAIL FLIP(S) ACROSS SEEDS: {', '.join(f)}\n{bar}")
    if failed:
        print(f"[seeds] failed runs: {', '.join(failed)}")
    print(f"[seeds] wrote {out} and {out.with_suffix('.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
