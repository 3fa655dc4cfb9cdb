"""Updates run concurrently across chats and strictly in order within one chat.

python-telegram-bot processes one update at a time by default, so one slow database write holds
up everyone. Its concurrent mode would let two taps of one person overtake each other; this
processor keeps each chat's updates in arrival order and lets different chats run side by side.

An update first waits for its chat, then for one of the shared slots: a person who sends 500
messages at once holds one slot, not all of them, so everyone else is still answered at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64
WAITING_UPDATES = 1_000_000  # updates waiting for their chat: bounded by what Telegram sends


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serializes updates per chat (or per user, for updates without a chat)."""

    __slots__ = ("_locks", "_on_done", "_slots", "_users")

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        *,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        # python-telegram-bot takes its semaphore before do_process_update, that is before the
        # chat's lock: a flood's waiting updates would hold every slot. Its semaphore is made
        # too wide to matter; the slots below are taken once the chat's turn has come.
        super().__init__(WAITING_UPDATES)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._on_done = on_done  # told each update's id once its handling has finished

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat (its earlier updates), then for a slot; then handle the update."""
        try:
            await self._in_turn(update, coroutine)
        finally:
            if self._on_done is not None and isinstance(update, Update):
                self._on_done(update.update_id)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # forget idle chats: memory stays flat with many users
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
