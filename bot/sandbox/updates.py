"""The pending-update queue, getUpdates semantics, and change notification.

All waiting in the sandbox (long polls, webhook delivery, test `wait_for`) goes through one
`Notifier`, woken whenever a call is recorded or an update is queued, so nothing polls.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]

# What Telegram delivers when allowed_updates was never set or set to [].
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Notifier:
    """Wake every waiter on any change; waiters re-check their own predicate."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(self, predicate: Callable[[], bool], within_s: float | None) -> bool:
        """Return True once `predicate()` holds, False if `within_s` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = None if within_s is None else loop.time() + within_s
        while not predicate():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)
            try:
                async with asyncio.timeout(remaining):
                    await fut
            except TimeoutError:
                return predicate()
            finally:
                self._waiters.discard(fut)
        return True


class UpdateQueue:
    """Updates not yet confirmed by the bot, with Telegram's offset and filter rules."""

    def __init__(self, notifier: Notifier, first_update_id: int = 1) -> None:
        self._notifier = notifier
        self._next_id = first_update_id
        self.pending: deque[JSON] = deque()
        self.history: list[JSON] = []  # every update ever queued, for tests
        self.dropped: list[JSON] = []  # filtered out by allowed_updates, for diagnostics
        self.allowed_updates: list[str] = []  # [] means Telegram's default set

    def push(self, kind: str, payload: JSON) -> JSON:
        update: JSON = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self.pending.append(update)
        self.history.append(update)
        self._notifier.notify()
        return update

    def is_allowed(self, update: JSON) -> bool:
        kind = update_kind(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_EXCLUDED

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`; a negative offset keeps only the last -offset."""
        if offset < 0:
            keep = -offset
            while len(self.pending) > keep:
                self.pending.popleft()
            return
        while self.pending and self.pending[0]["update_id"] < offset:
            self.pending.popleft()

    def deliverable(self, limit: int = 100) -> list[JSON]:
        """The next updates the bot may see; filtered-out ones are dropped for good.

        The filter is applied at delivery rather than creation time so a test may queue
        updates before the bot's first getUpdates sets allowed_updates.
        """
        kept: deque[JSON] = deque()
        for update in self.pending:
            if self.is_allowed(update):
                kept.append(update)
            else:
                self.dropped.append(update)
        self.pending = kept
        return list(kept)[:limit]

    def has_deliverable(self) -> bool:
        return any(self.is_allowed(u) for u in self.pending)

    def clear(self) -> None:
        self.pending.clear()


def update_kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")
