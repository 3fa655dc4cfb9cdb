"""Telegram's flood limits as sliding windows over real monotonic time.

Telegram answers 429 instead of queueing, so a bot that broadcasts without its own
throttling must see that here too. A rejected call is not recorded: it had no effect.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from bot.sandbox.errors import too_many_requests


class SlidingWindow:
    """Timestamps of accepted events inside the last `window_s` seconds."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._events: deque[float] = deque()

    def retry_after(self, now: float, limit: int) -> int | None:
        """Whole seconds until one more event fits under `limit`, or None if it fits now."""
        while self._events and self._events[0] <= now - self.window_s:
            self._events.popleft()
        if len(self._events) < limit:
            return None
        # The event that must expire before a new one fits is the (len - limit + 1)-th oldest.
        blocking = self._events[len(self._events) - limit]
        return max(1, math.ceil(blocking + self.window_s - now))

    def record(self, now: float) -> None:
        self._events.append(now)


class RateLimiter:
    """Global, per-group and (optionally) per-private-chat message limits."""

    def __init__(
        self,
        *,
        global_limit_per_s: int = 30,
        group_limit_per_min: int = 20,
        private_chat_limit_per_s: float | None = None,
        enabled: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # Plain attributes so tests can change limits at runtime; windows read them per call.
        self.global_limit_per_s = global_limit_per_s
        self.group_limit_per_min = group_limit_per_min
        self.private_chat_limit_per_s = private_chat_limit_per_s
        self.enabled = enabled
        self._monotonic = monotonic
        self._global = SlidingWindow(1.0)
        self._per_chat: dict[int, SlidingWindow] = {}

    def admit(self, chat_id: int) -> None:
        """Count one message to `chat_id`, or raise a 429 ApiError and count nothing."""
        if not self.enabled:
            return
        now = self._monotonic()
        checks: list[tuple[SlidingWindow, int]] = [(self._global, self.global_limit_per_s)]
        chat_check = self._chat_window(chat_id)
        if chat_check is not None:
            checks.append(chat_check)
        waits = [w for window, limit in checks if (w := window.retry_after(now, limit))]
        if waits:
            raise too_many_requests(max(waits))
        for window, _ in checks:
            window.record(now)

    def _chat_window(self, chat_id: int) -> tuple[SlidingWindow, int] | None:
        if chat_id < 0:
            window_s, limit = 60.0, self.group_limit_per_min
        elif self.private_chat_limit_per_s:
            rate = self.private_chat_limit_per_s
            # A rate below 1/s becomes "one message per 1/rate seconds".
            window_s = max(1.0, 1.0 / rate)
            limit = max(1, round(rate * window_s))
        else:
            return None
        window = self._per_chat.get(chat_id)
        if window is None or window.window_s != window_s:
            window = self._per_chat[chat_id] = SlidingWindow(window_s)
        return window, limit
