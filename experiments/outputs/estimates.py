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
    it was estimated, `reason` why not."""
    rows = [
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
    table = pd.DataFrame(rows, columns=_ESTIMATE_COLUMNS)
    return table.astype({"df": "Int64", "groups": "Int64"})


_ESTIMATE_COLUMNS = [
    "data_date", "family", "outcome", "measure", "contrast", "analysis", "prespecified",
    "n_first", "n_second", "observed_first", "observed_second", "status", "estimate", "low",
    "high", "p_value", "p_adjusted", "adjustment", "df", "groups", "note", "reason",
]  # fmt: skip
