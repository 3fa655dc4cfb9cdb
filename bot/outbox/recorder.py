"""Writing how deliveries ended, many to a transaction (group commit).

One transaction per delivered message made the database the sender's bottleneck: each costs a
session, a commit and a turn at SQLite's single write lock. Here the first delivery to finish
waits `window_s` (a few ms) for others finishing about then, and writes all their endings in one
transaction; the others wait for that commit. A crash between Telegram's answer and the commit
leaves the row in `sending`, to be retried after its lease: the same exposure as one transaction
per message, widened by the window and the time one transaction takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.outcomes import Outcome
from bot.outbox.store import ClaimedMessage


@dataclass(frozen=True)
class Ending:
    """What became of one claimed message, and after how many attempts."""

    message: ClaimedMessage
    outcome: Outcome
    tries: int


Write = Callable[[AsyncSession, Sequence[Ending]], Awaitable[None]]
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class EndingRecorder:
    """Collects endings and writes them with `write`, one transaction per collected batch."""

    def __init__(
        self, transaction: Transaction, write: Write, *, window_s: float, max_batch: int = 200
    ) -> None:
        self._transaction = transaction
        self._write = write
        self._window_s = window_s
        self._max_batch = max_batch
        self._waiting: list[tuple[Ending, asyncio.Future[None]]] = []
        self._writing = False

    async def record(self, ending: Ending) -> None:
        """Return once `ending` is committed; raise what the transaction raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((ending, done))
        if not self._writing:
            await self._write_all()
        await done

    async def _write_all(self) -> None:
        self._writing = True
        batch: list[tuple[Ending, asyncio.Future[None]]] = []
        try:
            await asyncio.sleep(self._window_s)
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._write_batch(batch)
                batch = []
        except BaseException:
            # cancelled (shutdown): nobody is left to write for the others
            for _, done in [*batch, *self._waiting]:
                done.cancel()
            self._waiting.clear()
            raise
        finally:
            self._writing = False

    async def _write_batch(self, batch: list[tuple[Ending, asyncio.Future[None]]]) -> None:
        """Write `batch` in one transaction; if that fails, each ending in its own.

        One bad ending (say, the unreachable hook raising) must not leave the others'
        rows in `sending`, where they would be sent again once their lease ran out.
        """
        try:
            await self._commit([ending for ending, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch, exc)
                return
            for one in batch:
                await self._write_batch([one])
        else:
            _settle(batch, None)

    async def _commit(self, endings: list[Ending]) -> None:
        async with self._transaction() as session:
            await self._write(session, endings)


def _settle(batch: list[tuple[Ending, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
