"""The data date: a report or export reads the trial as it stood at one moment.

`cut_at` leaves out every row made after the data date and undoes later changes of state (a
withdrawal, a pause, a message sent, a group bound, a member joined or left), so that a report
re-run later on the same database gives the same numbers. Two things cannot be rewound: an
erasure (the law asks that it reaches every later report; its data may be gone) and the consent
refusal counts, which are kept per site without dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]

from experiments.outputs.export import RawTrial

__all__ = ["as_of_flag", "cut_at", "data_date_text", "parse_as_of"]

_Cut = Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame]


def parse_as_of(text: str, timezone: str) -> datetime:
    """`--as-of`: a date (through the end of that day in the study's time zone) or an ISO time
    (in the study's time zone unless it gives its own offset or Z)."""
    zone = ZoneInfo(timezone)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)  # ValueError names what it could not read
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
        return aware.astimezone(UTC)
    next_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return (next_day - timedelta(microseconds=1)).astimezone(UTC)


def as_of_flag(as_of: datetime) -> str:
    """The data date as `--as-of` takes it back: UTC, to the second (or microsecond)."""
    spec = "microseconds" if as_of.microsecond else "seconds"
    return as_of.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def data_date_text(as_of: datetime) -> str:
    """The data date for people: UTC to the second."""
    return as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cut_at(raw: RawTrial) -> RawTrial:
    """The raw trial as it stood at `raw.as_of` (see the module's docstring)."""
    moment = pd.Timestamp(raw.as_of).tz_convert(UTC)
    frames = dict(raw.frames)
    for name, cut in _CUTS.items():
        frame = frames.get(name)
        if frame is not None and not frame.empty:
            frames[name] = cut(frame, moment)
    groups, members = frames.get("groups"), frames.get("memberships")
    if groups is not None and members is not None and "id" in groups.columns:
        frames["memberships"] = _kept(members, members["group_id"].isin(set(groups["id"])))
    return RawTrial(raw.as_of, frames)


def _later(frame: pd.DataFrame, column: str, moment: pd.Timestamp) -> pd.Series:
    """Rows whose `column` is a time after `moment` (a missing time is not later)."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return pd.to_datetime(frame[column], utc=True) > moment


def _kept(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    return frame if bool(keep.all()) else frame[keep.to_numpy()]


def _rows_until(column: str) -> _Cut:
    """Leave out the rows made after the moment."""

    def cut(frame: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
        return _kept(frame, ~_later(frame, column, moment))

    return cut


def _forget(frame: pd.DataFrame, later: pd.Series, *columns: str) -> pd.DataFrame:
    """Empty `columns` where `later` holds (a copy, only when something changes)."""
    present = [c for c in columns if c in frame.columns]
    if not bool(later.any()) or not present:
        return frame
    frame = frame.copy()
    for column in present:
        frame[column] = frame[column].mask(later.to_numpy())
    return frame


def _participants(frame: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    people = _kept(frame, ~_later(frame, "consented_at", moment))
    people = _forget(
        people, _later(people, "allocated_at", moment), "arm", "stratum", "allocated_at"
    )
    status = people["status"].astype(object)
    paused = _later(people, "paused_at", moment)
    withdrawn = _later(people, "withdrawn_at", moment)
    still_paused = people["paused_at"].notna() & ~paused if "paused_at" in people else False
    before = status.where(~(withdrawn & (status == "withdrawn")), "active")
    before = before.where(~(withdrawn & (status == "withdrawn") & still_paused), "paused")
    before = before.where(~(paused & (before == "paused")), "active")
    if not before.equals(status):
        people = people.copy()
        people["status"] = before.astype(people["status"].dtype)
    people = _forget(people, paused, "paused_at")
    people = _forget(people, withdrawn, "withdrawn_at")
    return _forget(people, _later(people, "unreachable_since", moment), "unreachable_since")


def _messages(frame: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    messages = _kept(frame, ~_later(frame, "created_at", moment))
    sent_later = _later(messages, "sent_at", moment)
    if not bool(sent_later.any()):
        return messages
    messages = _forget(messages, sent_later, "sent_at")
    messages["status"] = messages["status"].mask(sent_later.to_numpy(), "pending")
    return messages


def _groups(frame: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    groups = _kept(frame, ~_later(frame, "formed_at", moment))
    bound_later = _later(groups, "bound_at", moment)
    if "status" in groups.columns and bool(bound_later.any()):
        groups = groups.copy()
        unbound = bound_later.to_numpy() & (groups["status"] == "active").to_numpy()
        groups["status"] = groups["status"].mask(unbound, "awaiting_bind")
    groups = _forget(groups, bound_later, "bound_at")
    closed_later = _later(groups, "closed_at", moment)
    if "status" in groups.columns and bool(closed_later.any()):
        groups = groups.copy()
        groups["status"] = groups["status"].mask(closed_later.to_numpy(), "active")
    groups = _forget(groups, closed_later, "closed_at")
    return _forget(groups, _later(groups, "below_min_since", moment), "below_min_since")


def _memberships(frame: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    members = _kept(frame, ~_later(frame, "placed_at", moment))
    joined, left = _later(members, "joined_at", moment), _later(members, "left_at", moment)
    if "status" in members.columns and bool((joined | left).any()):
        members = members.copy()
        status = members["status"].astype(object)
        has_joined = members["joined_at"].notna() & ~joined if "joined_at" in members else False
        gone = left & status.isin(["left", "removed"])
        status = status.where(~gone, "assigned").where(~(gone & has_joined), "joined")
        status = status.where(~(joined & (status == "joined")), "assigned")
        members["status"] = status.astype(frame["status"].dtype)
    members = _forget(members, joined, "joined_at")
    members = _forget(members, left, "left_at")
    for column in ("link_sent_at", "last_active_at"):
        members = _forget(members, _later(members, column, moment), column)
    return members


def _group_weeks(frame: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """Weeks asked after the moment are left out, and later steps forgotten; the counts stand
    as they are now (the members' own plans and answers, in the events, are cut exactly)."""
    weeks = _kept(frame, ~_later(frame, "plan_posted_at", moment))
    for column in ("review_posted_at", "closed_at", "goal_posted_at", "goal_reached_at"):
        weeks = _forget(weeks, _later(weeks, column, moment), column)
    return weeks


_CUTS: dict[str, _Cut] = {
    "reach_steps": _rows_until("at"),
    "participants": _participants,
    "allocations": _rows_until("allocated_at"),
    "events": _rows_until("occurred_at"),
    "survey_answers": _rows_until("answered_at"),
    "follow_up_calls": _rows_until("drawn_at"),
    "messages": _messages,
    "micro_decisions": _rows_until("decision_at"),
    "groups": _groups,
    "memberships": _memberships,
    "group_events": _rows_until("occurred_at"),
    "group_weeks": _group_weeks,
    "linkage_imports": _rows_until("imported_at"),
}
