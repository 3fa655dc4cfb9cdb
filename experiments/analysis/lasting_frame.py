"""Outcome columns that last beyond the week: a saver's balance and relapse, work kept after a
start, and each count outcome in the follow-up phase after the intervention's end.

Added to the outcome frame (`outcome_frame`); each person's window is the frame's (allocation to
the end of follow-up or the data date), the follow-up phase runs from their intervention's end
(`schedule.intervention_length` after allocation) to the data date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import Protocol, retention_outcome_name
from experiments.records import EventKind
from experiments.records.ledger import Logged
from experiments.records.ledger_frames import OUTCOME_COLUMNS, balance_frame, done_frame

__all__ = ["add_lasting_columns", "after_end_name"]
_WEEK = timedelta(days=7)


def after_end_name(outcome: str) -> str:
    """The column of `outcome` counted in the follow-up phase only."""
    return f"{outcome}_after_end"


def add_lasting_columns(
    frame: pd.DataFrame,
    events: pd.DataFrame,
    protocol: Protocol,
    end: pd.Series,
    as_of: datetime,
    *,
    logged: Mapping[Any, list[Logged]] | None = None,
) -> None:
    """Balance, relapse, retention and follow-up-phase columns, in place (`end`: each row's
    window end, beside `frame`; `logged`: `by_person(events)` when the caller has it)."""
    by_person = frame.set_index("pseudonym")["allocated_at"].to_dict()
    until = dict(zip(frame["pseudonym"], pd.to_datetime(end.to_numpy(), utc=True), strict=True))
    balance = (
        balance_frame(events, by_person, until, protocol.balance.relapse_share, logged=logged)
        if not events.empty
        else pd.DataFrame(columns=["balance_eur", "relapse"])
    )
    for column in ("balance_eur", "relapse"):
        frame[column] = frame["pseudonym"].map(balance[column]).fillna(0.0).astype("float64")
    _retention(frame, events, protocol)
    _after_end(frame, events, protocol, as_of, logged)


def _retention(frame: pd.DataFrame, events: pd.DataFrame, protocol: Protocol) -> None:
    """`job_retained_<check>`: 1 where the person said at that check that they still had the
    job or training they started, else 0 (no start, "no", "other", or no answer)."""
    kept = events[events["kind"] == str(EventKind.WORK_KEPT)] if not events.empty else events
    for check in protocol.retention.checks:
        yes: set[object] = set()
        if not kept.empty and "detail_check" in kept.columns:
            mine = kept[(kept["detail_check"] == check.name) & (kept["quantity"] == 1)]
            yes = set(mine["pseudonym"])
        frame[retention_outcome_name(check.name)] = frame["pseudonym"].isin(yes).astype("float64")


def _after_end(
    frame: pd.DataFrame,
    events: pd.DataFrame,
    protocol: Protocol,
    as_of: datetime,
    logged: Mapping[Any, list[Logged]] | None,
) -> None:
    """Each count outcome from the person's end to the data date, and `exposure_after_end` in
    weeks (missing for someone whose intervention has not ended, or in a protocol without an
    end)."""
    length = protocol.schedule.intervention_length
    ends = frame["allocated_at"] + length if length is not None else None
    stop = pd.Timestamp(as_of)
    if ends is None:
        exposure = pd.Series(np.nan, index=frame.index)
    else:
        exposure = ((stop - ends) / _WEEK).astype("float64").where(ends < stop)
    frame["exposure_after_end"] = exposure
    started = frame["exposure_after_end"].notna()
    sums = pd.DataFrame(columns=list(OUTCOME_COLUMNS))
    if ends is not None and started.any() and not events.empty:
        begin = dict(zip(frame.loc[started, "pseudonym"], ends[started], strict=True))
        ends_at = dict.fromkeys(begin, stop.to_pydatetime())
        sums = done_frame(events, begin, ends_at, logged=logged)
    for name in ("deposits", "applications", "interviews"):
        counted = frame["pseudonym"].map(sums[name]) if name in sums else None
        values = counted.fillna(0.0) if counted is not None else pd.Series(0.0, index=frame.index)
        frame[after_end_name(name)] = values.astype("float64").where(started)
