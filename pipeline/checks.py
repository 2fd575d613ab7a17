"""Theory checks: one row per theoretical prediction held against a measurement.

Columns (``COLUMNS``): check id, stage, kind (``prediction``: an empirical claim of the theory
that a measurement could contradict | ``identity``: exact for any correct implementation, checked
to a numerical tolerance), prediction (text), measured (float), ci_low / ci_high (the interval of
the measurement; NaN when there is none), interval (what ci_low / ci_high are, e.g. "95%
t-interval over 5 seeds"), tolerance (text: what counts as agreement), power (the nearest
alternative the check would fail, e.g. "an exponent of -0.35 fails"), passed (bool), verdict
(``pass`` | ``fail`` | ``inconclusive``), figure (file name of the figure that shows it, relative to
results/figures/), detail (free text with supporting numbers, and the source of the prediction).

The verdict rule for a prediction (CONTRIBUTING.md, ``prediction_check``): a predicted value p, an
estimate with a confidence interval [lo, hi] and a tolerance tol justified in the detail (a rate
from the literature, or the estimator's bias measured where the answer is known; never chosen to
make a run pass): pass when [lo, hi] lies inside [p - tol, p + tol], fail when it lies wholly
outside, inconclusive otherwise.

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
    "kind",
    "prediction",
    "measured",
    "ci_low",
    "ci_high",
    "interval",
    "tolerance",
    "power",
    "passed",
    "verdict",
    "figure",
    "detail",
)
VERDICTS = ("pass", "fail", "inconclusive")
KINDS = ("prediction", "identity")


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
    kind: str = "prediction"
    interval: str = ""
    power: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"check {self.check!r}: kind must be one of {KINDS}, got {self.kind!r}")
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


def with_verdict(c: Check, verdict: str, note: str = "") -> Check:
    """``c`` with another verdict (``passed`` follows it) and ``note`` appended to its detail: for a
    verdict rule beyond the interval's (e.g. a pass ruled out by a condition the interval cannot see)."""
    from dataclasses import replace

    return replace(c, verdict=verdict, passed=None, detail=c.detail + note)


def prediction_check(
    check: str,
    stage: str,
    *,
    quantity: str,
    predicted: float,
    tol: float,
    estimate: float,
    ci_low: float,
    ci_high: float,
    interval: str,
    source: str,
    power: str,
    figure: str = "",
    detail: str = "",
    tol_source: str = "",
) -> Check:
    """A value prediction under the verdict rule: ``quantity`` = ``predicted`` +- ``tol``, the
    verdict from the whole interval [ci_low, ci_high] (``fits.verdict_from_ci``; NaN interval:
    inconclusive). ``source``: where the predicted value comes from; ``tol_source``: why this
    tolerance; ``power``: the nearest alternative that would fail."""
    from .fits import verdict_from_ci

    verdict = verdict_from_ci(ci_low, ci_high, predicted - tol, predicted + tol)
    text = f"{detail}; " if detail else ""
    text += f"Source: {source}"
    if tol_source:
        text += f". Tolerance: {tol_source}"
    return Check(
        check,
        stage,
        f"{quantity} = {predicted:g}",
        float(estimate),
        f"|{quantity} - ({predicted:g})| <= {tol:g} over the whole interval",
        verdict=verdict,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        interval=interval,
        power=power,
        figure=figure,
        detail=text,
    )


def bound_check(
    check: str,
    stage: str,
    *,
    quantity: str,
    bound: float,
    tol: float,
    estimate: float,
    ci_low: float,
    ci_high: float,
    interval: str,
    source: str,
    power: str,
    figure: str = "",
    detail: str = "",
    tol_source: str = "",
) -> Check:
    """An upper-bound prediction under the verdict rule, for a theorem that is a bound (e.g. an
    O(m^-1/2) rate with no value derived for the case at hand): ``quantity`` <= ``bound``, pass when the
    whole interval lies at or below ``bound + tol``, fail when it lies wholly above, inconclusive
    otherwise (NaN interval: inconclusive). Use it only where the source proves a bound, and say in
    ``detail`` why no value is predicted."""
    from .fits import verdict_from_ci

    verdict = verdict_from_ci(ci_low, ci_high, -math.inf, bound + tol)
    text = f"{detail}; " if detail else ""
    text += f"Source: {source}"
    if tol_source:
        text += f". Tolerance: {tol_source}"
    return Check(
        check,
        stage,
        f"{quantity} <= {bound:g} (a bound)",
        float(estimate),
        f"{quantity} <= {bound:g} + {tol:g} over the whole interval",
        verdict=verdict,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        interval=interval,
        power=power,
        figure=figure,
        detail=text,
    )


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
    """Raise naming the failed checks when ``strict`` (verdict ``fail``, prediction or identity;
    ``inconclusive`` does not fail a run); otherwise do nothing."""
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


def kinds(df) -> list[str]:
    """The kind of every row: ``identity`` or ``prediction`` (every row of a table written before
    the kind column, and any row whose kind is empty, is a prediction)."""
    if "kind" not in df:
        return ["prediction"] * len(df)
    return ["identity" if str(k).strip().lower() == "identity" else "prediction" for k in df["kind"]]


def summary(df) -> dict:
    """Counts of the verdict table.

    All rows: ``checks``, ``passed``, ``failed``, ``inconclusive`` and the ids ``failed_checks``,
    ``inconclusive_checks``. Per kind: ``predictions`` with ``predictions_passed``,
    ``predictions_failed``, ``predictions_inconclusive`` (ids: ``failed_predictions``,
    ``inconclusive_predictions``), and ``identities`` with ``identities_held``,
    ``identities_failed``, ``identities_inconclusive`` (ids: ``failed_identities``,
    ``inconclusive_identities``).
    """
    v = verdicts(df)
    k = kinds(df)
    ids = [str(c) for c in df["check"]]

    def pick(verdict, kind=None):
        return [c for c, x, y in zip(ids, v, k) if x == verdict and (kind is None or y == kind)]

    return {
        "checks": len(v),
        "passed": v.count("pass"),
        "failed": v.count("fail"),
        "inconclusive": v.count("inconclusive"),
        "failed_checks": pick("fail"),
        "inconclusive_checks": pick("inconclusive"),
        "predictions": k.count("prediction"),
        "predictions_passed": len(pick("pass", "prediction")),
        "predictions_failed": len(pick("fail", "prediction")),
        "predictions_inconclusive": len(pick("inconclusive", "prediction")),
        "failed_predictions": pick("fail", "prediction"),
        "inconclusive_predictions": pick("inconclusive", "prediction"),
        "identities": k.count("identity"),
        "identities_held": len(pick("pass", "identity")),
        "identities_failed": len(pick("fail", "identity")),
        "identities_inconclusive": len(pick("inconclusive", "identity")),
        "failed_identities": pick("fail", "identity"),
        "inconclusive_identities": pick("inconclusive", "identity"),
    }


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_line(df) -> str:
    """The headline of the verdict table, predictions and identities apart:

    'N predictions: a pass, b inconclusive, c fail (inconclusive: ids; fail: ids); M identities hold.'
    or, when an identity does not hold, '...; M identities: x hold, y fail (ids).' A table without
    identities (or one written before the kind column) has only the first part.
    """
    s = summary(df)
    if not s["checks"]:
        return "No theory checks recorded (no stage wrote results/checks/<stage>.csv)."
    parts = []
    if s["predictions"]:
        line = (
            f"{_plural(s['predictions'], 'prediction', 'predictions')}: {s['predictions_passed']} pass, "
            f"{s['predictions_inconclusive']} inconclusive, {s['predictions_failed']} fail"
        )
        named = (
            [f"inconclusive: {', '.join(s['inconclusive_predictions'])}"]
            if s["inconclusive_predictions"]
            else []
        )
        named += [f"fail: {', '.join(s['failed_predictions'])}"] if s["failed_predictions"] else []
        parts.append(line + (f" ({'; '.join(named)})" if named else ""))
    if s["identities"]:
        n = s["identities"]
        if s["identities_held"] == n:
            parts.append(_plural(n, "identity holds", "identities hold"))
        else:
            line = (
                f"{_plural(n, 'identity', 'identities')}: {s['identities_held']} hold, "
                f"{s['identities_failed']} fail"
            )
            if s["identities_inconclusive"]:
                line += f", {s['identities_inconclusive']} inconclusive"
            named = [", ".join(s["failed_identities"])] if s["failed_identities"] else []
            named += (
                [f"inconclusive: {', '.join(s['inconclusive_identities'])}"]
                if s["inconclusive_identities"]
                else []
            )
            parts.append(line + f" ({'; '.join(named)})")
    return "; ".join(parts) + "."
