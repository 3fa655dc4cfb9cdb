"""Quiet hours: a nightly window in the study's local time during which no nudge is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator

from experiments.protocol.errors import problem

__all__ = ["QuietHours", "is_quiet", "next_allowed_time"]


class QuietHours(BaseModel):
    """From `start` to `end` local time; the window may span midnight; start == end means none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time = time(21, 0)
    end: time = time(9, 0)

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise problem("give a local time without an offset; the study's time zone applies")
        return value

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time lies inside the window (start inclusive, end not)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware (UTC)")


def is_quiet(moment: datetime, quiet_hours: QuietHours, tz: ZoneInfo | str) -> bool:
    """Whether an aware moment falls inside quiet hours in the given time zone."""
    _require_aware(moment)
    local = moment.astimezone(_zone(tz))
    return quiet_hours.contains(local.time())


def next_allowed_time(
    moment_utc: datetime, quiet_hours: QuietHours, tz: ZoneInfo | str
) -> datetime:
    """The moment itself if it is outside quiet hours, else the end of those quiet hours (UTC).

    The end is the first instant whose local wall-clock time reaches `end`: on a DST night when
    that time does not exist, it is the moment the clocks jump; when it occurs twice, the first
    occurrence that is not already past.
    """
    _require_aware(moment_utc)
    zone = _zone(tz)
    moment = moment_utc.astimezone(UTC)
    # A window that starts inside a DST gap can leave the first end still quiet; the next
    # night's end then applies. Windows are shorter than a day, so this settles at once.
    result = moment
    for _ in range(3):
        local = result.astimezone(zone)
        if not quiet_hours.contains(local.time()):
            break
        end_day = _end_day(local.date(), local.time(), quiet_hours)
        result = _first_instant_at(datetime.combine(end_day, quiet_hours.end), zone, result)
    return result


def _end_day(local_day: date, local_time: time, quiet_hours: QuietHours) -> date:
    spans_midnight = quiet_hours.start > quiet_hours.end
    if spans_midnight and local_time >= quiet_hours.start:
        return local_day + timedelta(days=1)
    return local_day


def _first_instant_at(wall: datetime, zone: ZoneInfo, not_before: datetime) -> datetime:
    """The earliest UTC instant, not before `not_before`, at which local time reaches `wall`."""
    readings = [wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    exists = readings[0].astimezone(zone).replace(tzinfo=None) == wall
    if exists:
        later = [reading for reading in sorted(readings) if reading >= not_before]
        return later[0] if later else not_before
    # A DST gap: fold=1 reads the wall time before the jump, fold=0 after it; the jump lies
    # between them, and transitions fall on whole seconds, so bisect on seconds.
    before, after = readings[1], readings[0]
    offset_after = after.astimezone(zone).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return max(before + timedelta(seconds=high), not_before)
