from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.protocol import describe_duration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7D", timedelta(days=7)),
        ("PT30S", timedelta(seconds=30)),
        ("PT1M", timedelta(minutes=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT0S", timedelta(0)),
    ],
)
def test_iso_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2D"])
def test_months_and_years_are_refused_for_having_no_fixed_length(text: str) -> None:
    with pytest.raises(ValueError, match="no fixed length"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "7 days", "-P1D", "P1H", "1:00:00"])
def test_other_text_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO-8601 duration"):
        parse_duration(text)


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10_000)))
def test_formatting_round_trips(duration: timedelta) -> None:
    assert parse_duration(format_duration(duration)) == duration


def test_zero_is_written_as_zero_seconds() -> None:
    assert format_duration(timedelta(0)) == "PT0S"


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (timedelta(days=14), "14 days"),
        (timedelta(days=1, hours=12), "1 day 12 hours"),
        (timedelta(seconds=1), "1 second"),
        (timedelta(0), "0 seconds"),
        (timedelta(seconds=1.5), "1.5 seconds"),
    ],
)
def test_durations_are_described_in_words(duration: timedelta, words: str) -> None:
    assert describe_duration(duration) == words
