"""How long a mute lasts: read from a command (`30m`, `2h`, `1d`) and said in words."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.i18n import Language, plural

MAX_MUTE = timedelta(days=366)  # Telegram treats longer restrictions as forever
_DURATION = re.compile(r"^(\d{1,4})([mhdu])$")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "u": timedelta(hours=1)}
_UNIT["d"] = timedelta(days=1)


def parse_mute(args: tuple[str, ...], default: timedelta) -> tuple[timedelta, str | None]:
    """`/mute [30m|2h|1d] [reason]`: the duration (default when none is given) and reason."""
    match = _DURATION.match(args[0].lower()) if args else None
    if match is None:
        return default, " ".join(args) or None
    duration = min(int(match.group(1)) * _UNIT[match.group(2)], MAX_MUTE)
    return max(duration, timedelta(minutes=1)), " ".join(args[1:]) or None


def describe(duration: timedelta, language: Language) -> str:
    """A duration in words, in the largest unit that fits: "2 hours", "30 minuten"."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        count, rest = divmod(int(duration.total_seconds()), size)
        if count and not rest:
            return plural(language, f"duration.{unit}s", count)
    return plural(language, "duration.minutes", max(1, int(duration.total_seconds() // 60)))
