"""Administrative outcome columns: the registry values a linkage import brought in.

Each person's last imported value of each `[linkage]` outcome counts (a later import that
differs corrects the earlier one). A `date` is 1 when it falls on or before the end of the
person's window, a `yes_no` is 1 for yes; both are 0 for someone the registry had no value
for. A `number` stays missing then, so the analysis leaves that person out of that outcome.
"""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import Protocol
from experiments.records import EventKind

__all__ = ["add_linked_columns"]


def add_linked_columns(
    frame: pd.DataFrame, events: pd.DataFrame, protocol: Protocol, end: pd.Series
) -> None:
    """One column per declared registry outcome, in place (`end`: each row's window end)."""
    if not protocol.linkage.outcomes:
        return
    linked = events[events["kind"] == str(EventKind.LINKED_OUTCOME)] if not events.empty else events
    for outcome in protocol.linkage.outcomes:
        latest = _latest(linked, outcome.name)
        if outcome.type == "number":
            values = frame["pseudonym"].map(_column(latest, "detail_number"))
            frame[outcome.name] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif outcome.type == "yes_no":
            answers = frame["pseudonym"].map(_column(latest, "detail_answer"))
            frame[outcome.name] = (answers == "yes").astype("float64")
        else:
            when = pd.to_datetime(frame["pseudonym"].map(_column(latest, "detail_date")), utc=True)
            until = pd.to_datetime(pd.Series(end.to_numpy(), index=frame.index), utc=True)
            frame[outcome.name] = (when.notna() & (when <= until)).astype("float64")


def _latest(linked: pd.DataFrame, name: str) -> pd.DataFrame:
    if linked.empty or "detail_outcome" not in linked.columns:
        return linked.iloc[0:0]
    mine = linked[linked["detail_outcome"] == name].sort_values(["occurred_at", "event_id"])
    return mine.drop_duplicates("pseudonym", keep="last").set_index("pseudonym")


def _column(latest: pd.DataFrame, column: str) -> pd.Series:
    if column not in latest.columns:
        return pd.Series(dtype=object)
    return latest[column]
