"""Telegram's limits, kept on the sending side: overall, per private chat and per group."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from aiolimiter import AsyncLimiter

from bot.db.models import ChatType

FORGET_EVERY_S = 5.0


class Pacer:
    """Waits until a message to a chat may go out without tripping Telegram's flood control.

    Calls that are not messages (approvals, restrictions, pins, invite links) have a limiter
    of their own (`calls_per_second`) and skip the per-chat limits, which are about messages:
    a group's 20 messages a minute never hold up a join request's approval.

    The overall limiter is a leaky bucket that holds a twentieth of a second's worth of
    messages (at least one): any one-second window sees at most 5% (and one message) above
    `global_per_second`: at the default 28.5/s (one message in the bucket) at most 29.5, clear
    of Telegram's 30/s. A bucket of one
    kept the rate smoothest but lost every moment the event loop woke a sender late; at 300/s
    that cost a third of the rate. A bucket of a whole second would allow twice the rate in a
    window: a full burst plus the refill.
    """

    def __init__(
        self,
        *,
        global_per_second: float,
        private_interval_s: float,
        group_per_minute: int,
        calls_per_second: float = 30.0,
    ) -> None:
        burst = max(1, int(global_per_second / 20))
        self._global = AsyncLimiter(burst, burst / global_per_second)
        call_burst = max(1, int(calls_per_second / 20))
        self._calls = AsyncLimiter(call_burst, call_burst / calls_per_second)
        self.queued = 0  # messages past their chat's limits, waiting for the overall one
        self._private_interval = private_interval_s
        self._group_per_minute = group_per_minute
        self._private_next: dict[int, float] = {}
        self._group_sent: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self._chat_paused_until: dict[int, float] = {}
        self._next_forgetting = 0.0

    def pause_all(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._chat_paused_until[chat_id] = max(self._chat_paused_until.get(chat_id, 0.0), until)

    async def wait_turn(self, chat_id: int, chat_type: ChatType, *, message: bool = True) -> None:
        """Return when a message (or a call) to `chat_id` may go now, and count it as sent."""
        if not message:
            while (delay := self._paused(chat_id)) > 0:  # noqa: ASYNC110
                await asyncio.sleep(delay)
            await self._calls.acquire()
            return
        # a pause can grow while we wait (another 429), so the delay is recomputed after waking
        while (delay := self._delay(chat_id, chat_type)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)
        self.queued += 1
        try:
            await self._global.acquire()
        finally:
            self.queued -= 1
        now = time.monotonic()
        if chat_type is ChatType.GROUP:
            window = self._group_sent.setdefault(chat_id, deque(maxlen=self._group_per_minute))
            window.append(now)
        else:
            self._private_next[chat_id] = now + self._private_interval
        self._chat_paused_until.pop(chat_id, None)

    def _paused(self, chat_id: int) -> float:
        until = max(self._paused_until, self._chat_paused_until.get(chat_id, 0.0))
        return until - time.monotonic()

    def _delay(self, chat_id: int, chat_type: ChatType) -> float:
        now = time.monotonic()
        until = max(self._paused_until, self._chat_paused_until.get(chat_id, 0.0))
        if chat_type is ChatType.GROUP:
            window = self._group_sent.get(chat_id)
            if window is not None and len(window) == window.maxlen:
                # a small margin keeps us clear of Telegram's own window edge
                until = max(until, window[0] + 60.0 + 0.05)
        else:
            until = max(until, self._private_next.get(chat_id, 0.0))
        return until - now

    def forget_idle(self) -> None:
        """Drop bookkeeping for chats that have been quiet for over a minute.

        Called after every claim, so it does its sweep (over every chat seen in the last
        minute) at most every few seconds.
        """
        if time.monotonic() < self._next_forgetting:
            return
        self._next_forgetting = time.monotonic() + FORGET_EVERY_S
        horizon = time.monotonic() - 60.0
        self._private_next = {c: t for c, t in self._private_next.items() if t > horizon}
        self._group_sent = {c: w for c, w in self._group_sent.items() if w and w[-1] > horizon}
        self._chat_paused_until = {
            c: t for c, t in self._chat_paused_until.items() if t > time.monotonic()
        }
