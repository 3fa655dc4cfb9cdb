"""Telegram's limits, kept on the sending side: overall, per private chat and per group."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter

from bot.db.delivery import ChatType

FORGET_EVERY_S = 5.0
TELEGRAM_PER_SECOND = 30  # Telegram's overall limit for a bot, messages a second
WINDOW_MARGIN_S = 0.01  # Telegram's clock and ours need not tick together


class Pacer:
    """Waits until a message to a chat may go out without tripping Telegram's flood control.

    Calls that are not messages (approvals, restrictions, pins, invite links) have a limiter
    of their own (`calls_per_second`) and skip the per-chat limits, which are about messages:
    a group's 20 messages a minute never hold up a join request's approval.

    The overall limit is kept twice. A leaky bucket paces messages at `global_per_second`,
    holding a tenth of a second's worth (at least two): a sender the event loop wakes late
    catches up instead of losing that moment for good (with a bucket of one, a busy machine lost
    a tenth of the rate). On top, a message holds one of 30 slots (Telegram's limit a second;
    `global_per_second` rounded up if higher) from the moment it is sent until a second after its
    answer came back. Telegram counts a message when it arrives, between those two moments, so
    however the network or Telegram's side bunches arrivals, no one-second window there sees
    more than the slots: 0 x 429 at the default 29/s, where pacing by send times alone provoked
    a few 429s whenever the receiving side stalled and then took a backlog at once. The slots
    cap the rate at slots / (1 s + round trip), above the bucket's rate unless the round trip
    is long.
    """

    def __init__(
        self,
        *,
        global_per_second: float,
        private_interval_s: float,
        group_per_minute: int,
        calls_per_second: float = 30.0,
    ) -> None:
        burst = max(2, math.ceil(global_per_second / 10))
        self._global = AsyncLimiter(burst, burst / global_per_second)
        self._slots = max(TELEGRAM_PER_SECOND, math.ceil(global_per_second))
        self._on_the_wire = 0
        self._answered: deque[float] = deque()
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
            while (delay := self._slot_delay()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(delay)
        finally:
            self.queued -= 1
        self._on_the_wire += 1
        now = time.monotonic()
        if chat_type is ChatType.GROUP:
            window = self._group_sent.setdefault(chat_id, deque(maxlen=self._group_per_minute))
            window.append(now)
        else:
            self._private_next[chat_id] = now + self._private_interval
        self._chat_paused_until.pop(chat_id, None)

    @asynccontextmanager
    async def turn(
        self, chat_id: int, chat_type: ChatType, *, message: bool = True
    ) -> AsyncIterator[None]:
        """Wait for the turn of a message (or call) to `chat_id`; the block sends it."""
        await self.wait_turn(chat_id, chat_type, message=message)
        try:
            yield
        finally:
            if message:
                self.answered()

    def answered(self) -> None:
        """A message sent after `wait_turn` has its answer: its slot frees a second from now."""
        self._on_the_wire -= 1
        self._answered.append(time.monotonic())

    def _slot_delay(self) -> float:
        """How long until a message may take a slot: 0 when one is free."""
        now = time.monotonic()
        answered = self._answered
        while answered and answered[0] + 1.0 + WINDOW_MARGIN_S <= now:
            answered.popleft()
        if self._on_the_wire + len(answered) < self._slots:
            return 0.0
        if answered:
            return answered[0] + 1.0 + WINDOW_MARGIN_S - now
        return 0.01  # every slot is on the wire: look again when an answer may be back

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
