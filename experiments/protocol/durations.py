"""ISO-8601 durations ("P7D", "PT30S") for protocol files: parse, write back and describe."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

__all__ = [
    "Duration",
    "NonNegativeDuration",
    "PositiveDuration",
    "describe_duration",
    "format_duration",
    "parse_duration",
]

# Weeks alone, or days and a time part. Years and months are refused on purpose: they have no
# fixed length, so "P1M" would mean different things to the bot and to the statistician.
_PATTERN = re.compile(
    r"^P(?:(?P<weeks>\d+)W|(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?)$"
)
_CALENDAR_UNITS = re.compile(r"^P\d+[YM]")
_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration without years or months; raise ValueError if it is not one."""
    candidate = text.strip().upper()
    if _CALENDAR_UNITS.match(candidate):
        raise ValueError("years and months have no fixed length; use days, e.g. P30D")
    match = _PATTERN.match(candidate)
    if match is None or candidate == "P" or candidate.endswith("T"):
        raise ValueError("not an ISO-8601 duration (e.g. P7D, PT30S)")
    parts = {name: value for name, value in match.groupdict().items() if value is not None}
    seconds = float(parts.get("seconds", "0").replace(",", "."))
    return timedelta(
        weeks=int(parts.get("weeks", 0)),
        days=int(parts.get("days", 0)),
        hours=int(parts.get("hours", 0)),
        minutes=int(parts.get("minutes", 0)),
        seconds=seconds,
    )


def format_duration(duration: timedelta) -> str:
    """Write a non-negative duration back as ISO-8601, e.g. P1DT12H."""
    if duration < timedelta(0):
        raise ValueError("negative durations have no ISO-8601 form here")
    days, rest = duration.days, duration.seconds
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    time_part = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M")) if value)
    if seconds or duration.microseconds:
        fraction = f"{seconds + duration.microseconds / 1_000_000:.6f}".rstrip("0").rstrip(".")
        time_part += f"{fraction}S"
    date_part = f"{days}D" if days else ""
    if not date_part and not time_part:
        return "PT0S"
    return f"P{date_part}" + (f"T{time_part}" if time_part else "")


def describe_duration(duration: timedelta) -> str:
    """Say a duration in plain words, e.g. "1 day 12 hours" or "30 seconds"."""
    if duration <= timedelta(0):
        return "0 seconds"
    words: list[str] = []
    remaining = duration.total_seconds()
    for name, size in _UNITS:
        count = int(remaining // size) if size > 1 else remaining
        remaining -= count * size
        if count:
            words.append(f"{count:g} {name}{'' if count == 1 else 's'}")
    return " ".join(words)


def _from_text(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "iso_duration", 'not an ISO-8601 duration; write it as text, e.g. "P7D"'
        )
    try:
        return parse_duration(value)
    except ValueError as error:
        raise PydanticCustomError("iso_duration", str(error)) from None


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise PydanticCustomError("positive_duration", "must be longer than zero")
    return value


def _non_negative(value: timedelta) -> timedelta:
    if value < timedelta(0):
        raise PydanticCustomError("non_negative_duration", "must not be negative")
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(_from_text),
    PlainSerializer(format_duration, return_type=str),
]
"""A timedelta read from and written as an ISO-8601 duration."""

PositiveDuration = Annotated[Duration, AfterValidator(_positive)]
NonNegativeDuration = Annotated[Duration, AfterValidator(_non_negative)]
