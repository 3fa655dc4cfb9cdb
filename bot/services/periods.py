"""Commitment periods: which window a moment falls in, and what was logged in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.study import Participant


def latest_occurrence(first: datetime, now: datetime, interval: timedelta) -> datetime:
    """The last moment at or before `now` in the series first, first + interval, … (`first`
    itself when `now` comes before it)."""
    if now <= first:
        return first
    return first + ((now - first) // interval) * interval


@dataclass(frozen=True)
class Firing:
    """Where a repeating schedule stands at a scan: its latest moment, the next, and whether
    the latest is too long ago to act on (after downtime, say) rather than arrive late."""

    latest: datetime
    following: datetime
    stale: bool


def advance_due(
    stored: datetime, now: datetime, interval: timedelta, stale_after: timedelta
) -> Firing:
    """The firing of a schedule stored as its next time `stored`, once `now` has reached it.

    A scan stores `following` back, so a restart after downtime fires once, not once per
    interval missed, and skips a stale firing rather than sending it late.
    """
    latest = latest_occurrence(stored, now, interval)
    return Firing(latest, latest + interval, now - latest > stale_after)


def current_window(
    participant: Participant, now: datetime, period: timedelta
) -> tuple[datetime, datetime]:
    """The commitment period containing `now`, counted from the participant's period start."""
    start = latest_occurrence(participant.period_start or now, now, period)
    return start, start + period
