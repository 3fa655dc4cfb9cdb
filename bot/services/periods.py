"""Commitment periods: which window a moment falls in, and what was logged in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.db.study import Participant
from bot.i18n import Language, text

WEEK = timedelta(days=7)


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


def first_period_start(now: datetime, period: timedelta, zone: ZoneInfo) -> datetime:
    """Where a new participant's periods start: the start of today (local) when periods are
    whole days, so "your week starts on Thursday" holds from the first minute of Thursday;
    else now (a pilot's minutes-long periods)."""
    if period % timedelta(days=1):
        return now
    today = now.astimezone(zone).date()
    return datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)


def resumed_period_start(participant: Participant, now: datetime, period: timedelta) -> datetime:
    """After a pause, the start of the period `now` is in on the person's own grid: the grid
    stays, what they logged while paused counts in its period, and no period that ended while
    they were paused is reminded of."""
    return latest_occurrence(participant.period_start or now, now, period)


def start_day(
    language: Language, participant: Participant, period: timedelta, zone: ZoneInfo
) -> str | None:
    """The weekday the person's week starts on ("maandag", "Monday"), when periods are weeks."""
    if period != WEEK or participant.period_start is None:
        return None
    # periods are counted in UTC, so after a change to winter time a week that began at
    # midnight begins at 23:00 the day before: the hour after names the day people mean
    day = (participant.period_start + timedelta(hours=1)).astimezone(zone).date()
    return format_date(day, "EEEE", locale=language.locale)


def week_starts(
    language: Language, participant: Participant, period: timedelta, zone: ZoneInfo
) -> str | None:
    """ "Your week starts on Monday." for weekly periods (None otherwise, or before intake)."""
    day = start_day(language, participant, period, zone)
    return None if day is None else text(language, "period.week_starts", day=day)
