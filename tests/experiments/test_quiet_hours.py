"""Nudges wait until quiet hours end, in the study's local time, across midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.protocol import QuietHours, is_quiet, next_allowed_time

AMSTERDAM = "Europe/Amsterdam"
NIGHT = QuietHours(start=time(21), end=time(9))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_late_evening_moves_to_the_next_morning() -> None:
    # 22:00 UTC is 23:00 in Amsterdam in winter; 09:00 CET is 08:00 UTC.
    assert next_allowed_time(utc(2026, 1, 5, 22), NIGHT, AMSTERDAM) == utc(2026, 1, 6, 8)


def test_early_morning_moves_to_nine_the_same_day() -> None:
    assert next_allowed_time(utc(2026, 1, 6, 5, 30), NIGHT, AMSTERDAM) == utc(2026, 1, 6, 8)


def test_daytime_moment_is_unchanged() -> None:
    assert next_allowed_time(utc(2026, 1, 6, 12), NIGHT, AMSTERDAM) == utc(2026, 1, 6, 12)


def test_start_is_quiet_and_end_is_not() -> None:
    assert is_quiet(utc(2026, 1, 6, 20), NIGHT, AMSTERDAM)  # 21:00 local
    assert not is_quiet(utc(2026, 1, 6, 8), NIGHT, AMSTERDAM)  # 09:00 local


def test_spring_forward_night_ends_at_nine_summer_time() -> None:
    # 28 March 2026 23:00 CET; clocks jump to CEST at 02:00, so 09:00 CEST is 07:00 UTC.
    assert next_allowed_time(utc(2026, 3, 28, 22), NIGHT, AMSTERDAM) == utc(2026, 3, 29, 7)


def test_fall_back_night_ends_at_nine_winter_time() -> None:
    # 24 October 2026 22:00 CEST; clocks fall back at 03:00, so 09:00 CET is 08:00 UTC.
    assert next_allowed_time(utc(2026, 10, 24, 20), NIGHT, AMSTERDAM) == utc(2026, 10, 25, 8)


def test_end_inside_a_dst_gap_is_the_moment_the_clocks_jump() -> None:
    until_half_past_two = QuietHours(start=time(21), end=time(2, 30))
    # 01:30 CET; 02:30 does not exist that night, the clocks jump at 01:00 UTC.
    result = next_allowed_time(utc(2026, 3, 29, 0, 30), until_half_past_two, AMSTERDAM)
    assert result == utc(2026, 3, 29, 1)


def test_repeated_end_time_is_not_one_already_past() -> None:
    until_half_past_two = QuietHours(start=time(21), end=time(2, 30))
    # 02:15 CET on the second pass through 02:00-03:00; 02:30 CET is 01:30 UTC.
    result = next_allowed_time(utc(2026, 10, 25, 1, 15), until_half_past_two, AMSTERDAM)
    assert result == utc(2026, 10, 25, 1, 30)


def test_window_within_one_day() -> None:
    lunch = QuietHours(start=time(12), end=time(14))
    assert next_allowed_time(utc(2026, 6, 1, 10, 30), lunch, AMSTERDAM) == utc(2026, 6, 1, 12)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    never = QuietHours(start=time(0), end=time(0))
    assert next_allowed_time(utc(2026, 1, 6, 2), never, AMSTERDAM) == utc(2026, 1, 6, 2)


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed_time(datetime(2026, 1, 6, 2), NIGHT, AMSTERDAM)


ZONES = st.sampled_from(
    ["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]
)
MOMENTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
TIMES = st.times().map(lambda moment: moment.replace(second=0, microsecond=0))


@given(MOMENTS, TIMES, TIMES, ZONES)
def test_result_is_the_first_moment_outside_quiet_hours(
    moment: datetime, start: time, end: time, zone_name: str
) -> None:
    quiet_hours, zone = QuietHours(start=start, end=end), ZoneInfo(zone_name)
    result = next_allowed_time(moment, quiet_hours, zone)
    assert result >= moment
    assert not is_quiet(result, quiet_hours, zone)
    # Under a day, except when a window ending in a DST gap swallows the whole next night.
    assert result - moment <= timedelta(days=2)
    if result > moment:
        assert is_quiet(result - timedelta(microseconds=1), quiet_hours, zone)
