"""Every result of the analysis as one row of `estimates.csv`, beside the report."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd  # type: ignore[import-untyped]

from experiments.outputs.data_date import data_date_text

if TYPE_CHECKING:
    from experiments import analysis as an

__all__ = ["ESTIMATES_FILE", "estimates_table"]

ESTIMATES_FILE = "estimates.csv"  # beside report.html: every result, estimated or not


def estimates_table(analysis: an.TrialAnalysis, as_of: datetime) -> pd.DataFrame:
    """Every result of the analysis as one row, for reading by program: `status` says whether
    it was estimated, `reason` why not. Lee bounds are rows of their own, status "bounded" (or
    "no bounds", `reason` why): `bound_low` and `bound_high` the bounds, `low` and `high` their
    Imbens–Manski confidence interval, `estimate` empty."""
    rows: list[dict[str, object]] = [
        {
            "data_date": data_date_text(as_of),
            "family": r.family,
            "outcome": r.outcome.name,
            "measure": r.measure,
            "contrast": r.contrast,
            "analysis": r.analysis,
            "prespecified": r.prespecified,
            "n_first": r.n[0],
            "n_second": r.n[1],
            "observed_first": r.summary[0],
            "observed_second": r.summary[1],
            "status": "not estimable" if r.not_estimable else "estimated",
            "estimate": r.estimate,
            "low": r.low,
            "high": r.high,
            "p_value": r.p_value,
            "p_adjusted": r.p_adjusted,
            "adjustment": r.adjustment,
            "df": r.df,
            "groups": r.groups,
            "note": r.note,
            "reason": r.not_estimable.reason if r.not_estimable else "",
        }
        for r in analysis.results
    ]
    rows += [_lee_row(b, analysis, as_of) for b in analysis.lee]
    table = pd.DataFrame(rows, columns=_ESTIMATE_COLUMNS)
    whole = all(float(d).is_integer() for d in table["df"].dropna())
    # Satterthwaite's df are fractions; t(G − 1)'s whole numbers stay whole in the file
    return table.astype({"df": "Int64" if whole else "Float64", "groups": "Int64"})


def _lee_row(b: an.LeeBounds, analysis: an.TrialAnalysis, as_of: datetime) -> dict[str, object]:
    interval = b.ci_low is not None and b.ci_high is not None
    return {
        "data_date": data_date_text(as_of),
        "family": "sensitivity" if analysis.registered_plan else "exploratory",
        "outcome": b.outcome.name,
        "measure": b.scale,
        "contrast": b.contrast,
        "analysis": "Lee bounds, trimming the arm that kept more observed; interval "
        f"Imbens–Manski {b.level:.0%}",
        "prespecified": analysis.registered_plan,
        "observed_first": b.observed[0],
        "observed_second": b.observed[1],
        "status": "no bounds" if b.not_estimable else "bounded",
        "low": b.ci_low,
        "high": b.ci_high,
        "bound_low": b.low,
        "bound_high": b.high,
        "note": "observed_first/second: share observed"
        + ("" if interval or b.not_estimable else "; no interval: too few observed to resample"),
        "reason": b.not_estimable.reason if b.not_estimable else "",
    }


_ESTIMATE_COLUMNS = [
    "data_date", "family", "outcome", "measure", "contrast", "analysis", "prespecified",
    "n_first", "n_second", "observed_first", "observed_second", "status", "estimate", "low",
    "high", "p_value", "p_adjusted", "adjustment", "df", "groups", "note", "reason",
    "bound_low", "bound_high",
]  # fmt: skip
