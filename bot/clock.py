"""One injectable source of time, so tests and the demo can move through whole study periods."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Timezone-aware UTC time; everything that asks "what time is it" asks a Clock."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests and the demo control.

    `speed` is how many clock seconds pass per real second: 0 freezes time (the default), 1 lets
    it flow like the real clock, 3600 makes an hour pass each second. `advance` jumps ahead.
    """

    def __init__(self, start: datetime, *, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._base = start.astimezone(UTC)
        self._speed = speed
        self._real_start = time.monotonic()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._real_start) * self._speed
        return self._base + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> None:
        self._base += delta

    def set(self, moment: datetime) -> None:
        self._base = moment.astimezone(UTC)
        self._real_start = time.monotonic()

    async def sleep_until(self, moment: datetime) -> None:
        """Wait until the clock shows `moment` (only meaningful when time flows)."""
        while (remaining := (moment - self.now()).total_seconds()) > 0:
            if self._speed <= 0:
                raise RuntimeError("a frozen FakeClock never reaches the future; call advance()")
            await asyncio.sleep(remaining / self._speed)
