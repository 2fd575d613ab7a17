"""Theory checks: one row per theoretical prediction held against a measurement.

Columns (``COLUMNS``): check id, stage, prediction (text), measured (float), ci_low / ci_high
(uncertainty of the measurement, e.g. a 95% CI over seeds; NaN when there is none), tolerance
(text: what counts as agreement), passed (bool), figure (file name of the figure that shows it,
relative to results/figures/), detail (free text with supporting numbers).

Every stage writes its checks with ``write_checks`` to ``results/checks/<stage>.csv``; the report
stage concatenates them into ``results/tables/theory_checks.csv``. A failing check is recorded,
never dropped; ``enforce_strict`` turns failures into an error when the config says ``strict: true``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

COLUMNS = ("check", "stage", "prediction", "measured", "ci_low", "ci_high", "tolerance", "passed",
           "figure", "detail")


@dataclass(frozen=True)
class Check:
    check: str
    stage: str
    prediction: str
    measured: float
    tolerance: str
    passed: bool
    ci_low: float = math.nan
    ci_high: float = math.nan
    figure: str = ""
    detail: str = ""

    def row(self) -> dict:
        d = asdict(self)
        d["measured"] = float(d["measured"])
        d["passed"] = bool(d["passed"])
        return {k: d[k] for k in COLUMNS}


def to_frame(checks):
    import pandas as pd

    return pd.DataFrame([c.row() for c in checks], columns=list(COLUMNS))


def write_checks(path, checks, meta: dict | None = None) -> None:
    from .io import save_table

    save_table(path, to_frame(checks), meta=meta)


class TheoryCheckFailed(RuntimeError):
    pass


def enforce_strict(df, strict: bool) -> None:
    """Raise naming the failed checks when ``strict``; otherwise do nothing."""
    if not strict:
        return
    failed = df[~df["passed"].astype(bool)]
    if len(failed):
        lines = [f"{r.check} ({r.stage}): measured {r.measured:.4g}, tolerance {r.tolerance}"
                 for r in failed.itertuples()]
        raise TheoryCheckFailed("strict: true and theory checks failed:\n  " + "\n  ".join(lines))
