"""The decision-level table of a micro-randomized trial: one row per decision point.

Each decision carries what the bot logged (available, probability, sent) and, computed here from
the events, the proximal outcome (a deposit, an application, or either, in the protocol's window
after the decision point; missing while the window has not closed) and the covariates the
protocol names, all measured before the decision: week, day, track, age band, site, the same
outcome in the window before the decision (prior_outcome) and whether the person's previous
decision sent the nudge (prior_sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from experiments.protocol import COVARIATES, MicroRandomization
from experiments.records.ledger_frames import contribution_frame

__all__ = ["DECISION_COLUMNS", "decision_table"]

DECISION_COLUMNS = (
    "participant_id",
    "component",
    "decision_at",
    "week",
    "available",
    "unavailable_reason",
    "probability",
    "sent",
    "outcome",
)
# what each proximal outcome counts, of what `experiments.records.ledger` says an event adds
_COUNTS = {
    "deposit": ("deposits",),
    "application": ("applications",),
    "either": ("deposits", "applications"),
}
_RAW = ["id", "participant_id", "kind", "amount_cents", "quantity", "occurred_at"]


def decision_table(
    decisions: pd.DataFrame,
    events: pd.DataFrame,
    people: pd.DataFrame,
    sites: Mapping[int, str],
    micro: MicroRandomization | None,
    as_of: datetime,
) -> pd.DataFrame:
    """The decisions with their proximal outcome and the protocol's covariates."""
    window = micro.window if micro is not None else timedelta(hours=24)
    counts = _COUNTS[micro.outcome if micro is not None else "either"]
    binary = micro is None or micro.scale == "binary"
    covariates = micro.covariates if micro is not None else COVARIATES
    frame = decisions.sort_values(["participant_id", "component", "decision_at"], kind="stable")
    frame = frame.reset_index(drop=True)
    at = pd.to_datetime(frame["decision_at"], utc=True)
    table = pd.DataFrame(
        {
            "participant_id": frame["participant_id"].astype("int64"),
            "component": frame["component"].astype("str"),
            "decision_at": at,
            "week": frame["week"].astype("int64"),
            "available": frame["available"].astype(bool),
            "unavailable_reason": frame["unavailable_reason"],
            "probability": frame["probability"].astype("float64"),
            "sent": frame["sent"].astype(bool),
        }
    )
    counted = _counts(events if len(table) else events.iloc[:0], counts)
    pid = table["participant_id"].to_numpy()
    times = at.to_numpy(dtype="datetime64[us]")
    after = _in_window(counted, pid, times, times + np.timedelta64(window))
    before = _in_window(counted, pid, times - np.timedelta64(window), times)
    closed = (at + window <= pd.Timestamp(as_of)).to_numpy()
    outcome = (after > 0).astype(float) if binary else after.astype(float)
    table["outcome"] = np.where(closed, outcome, np.nan)
    by_id = people.set_index("id") if len(people) else people
    for name in covariates:
        if name == "week":
            continue
        if name == "day":
            allocated = pd.to_datetime(_pid_map(by_id, "allocated_at", pid), utc=True)
            table["day"] = ((at - allocated) // pd.Timedelta(days=1)).astype("Int64") + 1
        elif name in ("track", "age_band"):
            table[name] = _pid_map(by_id, name, pid)
        elif name == "site":
            table["site"] = pd.Series(_pid_map(by_id, "site_id", pid)).map(sites)
        elif name == "prior_outcome":
            table["prior_outcome"] = (before > 0).astype(float) if binary else before.astype(float)
        elif name == "prior_sent":
            previous = table.groupby(["participant_id", "component"])["sent"].shift(1)
            table["prior_sent"] = previous.fillna(False).astype(bool)
    return table


def _pid_map(by_id: pd.DataFrame, column: str, pid: np.ndarray) -> np.ndarray:
    if column not in by_id.columns or not len(by_id):
        return np.full(len(pid), None, dtype=object)
    found: np.ndarray = by_id[column].reindex(pid).to_numpy()
    return found


def _counts(events: pd.DataFrame, counts: tuple[str, ...]) -> pd.DataFrame:
    """Per logged event: participant, the moment it counts at and how much it adds to the
    outcome (deposits; applications by quantity), counted by `experiments.records.ledger`: a
    corrected entry adds nothing, its correction taking it back at the entry's moment."""
    # only the columns it needs: a million events' details would be copied for nothing
    columns = [column for column in (*_RAW, "corrects_event_id") if column in events.columns]
    added = contribution_frame(events[columns], person="participant_id", event_id="id")
    return pd.DataFrame(
        {
            "participant_id": added["participant_id"].astype("int64").to_numpy(),
            "at": added["at"].to_numpy(dtype="datetime64[us]"),
            "count": added[list(counts)].sum(axis=1).to_numpy(dtype=float),
        }
    ).sort_values(["participant_id", "at"], kind="stable")


def _in_window(
    counted: pd.DataFrame, pid: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """For each (participant, start, end]: the events' total count in that window."""
    totals = np.zeros(len(pid))
    if not len(counted) or not len(pid):
        return totals
    per_person = dict(iter(counted.groupby("participant_id")))
    for person, rows in pd.Series(np.arange(len(pid))).groupby(pid):
        mine = per_person.get(person)
        if mine is None:
            continue
        times = mine["at"].to_numpy()
        cumulative = np.concatenate([[0.0], np.cumsum(mine["count"].to_numpy())])
        index = rows.to_numpy()
        high = np.searchsorted(times, end[index], side="right")
        low = np.searchsorted(times, start[index], side="right")
        totals[index] = cumulative[high] - cumulative[low]
    return totals
