"""Theory checks: one row per theoretical prediction held against a measurement.

Columns (``COLUMNS``): check id, stage, prediction (text), measured (float), ci_low / ci_high
(uncertainty of the measurement, e.g. a 95% CI over seeds; NaN when there is none), tolerance
(text: what counts as agreement), passed (bool), verdict (``pass`` | ``fail`` | ``inconclusive``),
figure (file name of the figure that shows it, relative to results/figures/), detail (free text
with supporting numbers, and the source of the prediction).

Verdicts are three-valued: a check whose measurement cannot separate the prediction from its
negation (e.g. a confidence interval that straddles the tolerance's edge) is ``inconclusive``,
not ``pass``. ``passed`` is ``verdict == "pass"``. Give ``verdict=`` (``fits.verdict_from_ci``
computes it from a CI) or only ``passed=`` for a check without noise (verdict pass / fail).

Every stage writes its checks with ``write_checks`` to ``results/checks/<stage>.csv``; the report
stage concatenates them into ``results/tables/theory_checks.csv``. A failing check is recorded,
never dropped; ``enforce_strict`` turns failures into an error when the config says ``strict: true``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

COLUMNS = (
    "check",
    "stage",
    "prediction",
    "measured",
    "ci_low",
    "ci_high",
    "tolerance",
    "passed",
    "verdict",
    "figure",
    "detail",
)
VERDICTS = ("pass", "fail", "inconclusive")


@dataclass(frozen=True)
class Check:
    check: str
    stage: str
    prediction: str
    measured: float
    tolerance: str
    passed: bool | None = None
    ci_low: float = math.nan
    ci_high: float = math.nan
    figure: str = ""
    detail: str = ""
    verdict: str | None = None

    def __post_init__(self):
        if self.verdict is None:
            if self.passed is None:
                raise ValueError(f"check {self.check!r}: give passed= or verdict=")
            object.__setattr__(self, "verdict", "pass" if bool(self.passed) else "fail")
        if self.verdict not in VERDICTS:
            raise ValueError(f"check {self.check!r}: verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.passed is not None and bool(self.passed) != (self.verdict == "pass"):
            raise ValueError(
                f"check {self.check!r}: passed={self.passed} contradicts verdict {self.verdict!r}"
            )
        object.__setattr__(self, "passed", self.verdict == "pass")

    def row(self) -> dict:
        d = asdict(self)
        d["measured"] = float(d["measured"])
        d["passed"] = bool(d["passed"])
        return {k: d[k] for k in COLUMNS}


def log_check(log, c: Check) -> None:
    """One line per check in a stage's log: ``check <id>: <verdict> (measured m [lo, hi]; tolerance)``."""
    ci = f" [{c.ci_low:.4g}, {c.ci_high:.4g}]" if math.isfinite(c.ci_low) and math.isfinite(c.ci_high) else ""
    log.info("check %s: %s (measured %.4g%s; tolerance %s)", c.check, c.verdict, c.measured, ci, c.tolerance)


def to_frame(checks):
    import pandas as pd

    return pd.DataFrame([c.row() for c in checks], columns=list(COLUMNS))


def write_checks(path, checks, meta: dict | None = None) -> None:
    from .io import save_table

    save_table(path, to_frame(checks), meta=meta)


class TheoryCheckFailed(RuntimeError):
    pass


def enforce_strict(df, strict: bool) -> None:
    """Raise naming the failed checks when ``strict`` (verdict ``fail``; ``inconclusive`` does not
    fail a run); otherwise do nothing."""
    if not strict:
        return
    failed = df[[v == "fail" for v in verdicts(df)]]
    if len(failed):
        lines = [
            f"{r.check} ({r.stage}): measured {r.measured:.4g}, tolerance {r.tolerance}"
            for r in failed.itertuples()
        ]
        raise TheoryCheckFailed("strict: true and theory checks failed:\n  " + "\n  ".join(lines))


def verdicts(df) -> list[str]:
    """The verdict of every row (from ``passed`` for tables written before the verdict column)."""
    if "verdict" in df:
        return [str(v) for v in df["verdict"]]
    return ["pass" if bool(p) else "fail" for p in df["passed"]]


def summary(df) -> dict:
    """Counts of the verdict table: checks, passed, failed, inconclusive, and the ids of the latter two."""
    v = verdicts(df)
    ids = list(df["check"])
    failed = [c for c, x in zip(ids, v) if x == "fail"]
    unresolved = [c for c, x in zip(ids, v) if x == "inconclusive"]
    return {
        "checks": len(v),
        "passed": v.count("pass"),
        "failed": len(failed),
        "inconclusive": len(unresolved),
        "failed_checks": failed,
        "inconclusive_checks": unresolved,
    }


def summary_line(df) -> str:
    """'N theory checks: a passed, b failed, c inconclusive (failed ids; inconclusive: ids).'"""
    s = summary(df)
    if not s["checks"]:
        return "No theory checks recorded (no stage wrote results/checks/<stage>.csv)."
    line = f"{s['checks']} theory checks: {s['passed']} passed, {s['failed']} failed"
    if s["inconclusive"]:
        line += f", {s['inconclusive']} inconclusive"
    named = [", ".join(s["failed_checks"])] if s["failed"] else []
    named += [f"inconclusive: {', '.join(s['inconclusive_checks'])}"] if s["inconclusive"] else []
    return line + (f" ({'; '.join(named)})." if named else ".")
