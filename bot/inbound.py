"""No update is lost between Telegram and the use case: each is stored before Telegram hears
that it arrived, and replayed after a crash until it has been handled.

Telegram forgets an update once the bot confirms it: polling confirms by asking for the next
offset, a webhook by answering 200. Either happens only after `keep` has committed the update to
`inbound_updates`. When the update's handling has finished (answered, refused or failed: the
error handler reported it), `done` removes its row. A process that dies in between leaves the
row behind; the next process to take updates puts it on the queue again before anything new, and
the update's claim (bot.services.processed_updates) makes sure a turn that did commit is not run
twice.

Writes are grouped: updates and finished ids that arrive while a transaction is under way go
into the next one together, so a burst costs a few transactions rather than one per update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.clock import Clock
from bot.db.delivery import InboundUpdate
from bot.db.engine import Database
from bot.db.upsert import insert_all_if_absent

log = logging.getLogger(__name__)

# Telegram keeps an unconfirmed update for a day: one older than that is not replayed
REPLAY_WITHIN = timedelta(days=1)


class InboundLog:
    """The stored updates not yet handled, written in groups by one background task."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._to_keep: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._finished: set[int] = set()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._in_hand: set[int] = set()  # stored or replayed, not yet handled
        self._all_handled = asyncio.Event()
        self._all_handled.set()

    async def keep(self, updates: Sequence[dict[str, Any]]) -> None:
        """Return once `updates` (as Telegram sent them) are committed; raises when they could
        not be."""
        if not updates:
            return
        future = asyncio.get_running_loop().create_future()
        for update in updates:
            self._to_keep.append((update, future))
        self._take_in_hand(update["update_id"] for update in updates)
        self._start()
        self._wake.set()
        await asyncio.shield(future)

    def done(self, update_id: int) -> None:
        """The update was handled: its row goes in the next write."""
        self._finished.add(update_id)
        self._in_hand.discard(update_id)
        if not self._in_hand:
            self._all_handled.set()
        self._start()
        self._wake.set()

    async def unhandled(self) -> list[dict[str, Any]]:
        """Updates stored and not handled, oldest first (a crash left them); older ones than
        Telegram itself would still send are forgotten."""
        cutoff = self._clock.now() - REPLAY_WITHIN
        async with self._database.transaction() as session:
            stale = await session.execute(
                delete(InboundUpdate).where(InboundUpdate.received_at < cutoff)
            )
            rows = await session.scalars(select(InboundUpdate).order_by(InboundUpdate.update_id))
            payloads = [row.payload for row in rows]
        self._take_in_hand(payload["update_id"] for payload in payloads)
        forgotten = int(stale.rowcount)  # type: ignore[attr-defined]
        if forgotten:
            log.warning("%d stored updates were older than a day and are not replayed", forgotten)
        return payloads

    async def settled(self, within_s: float = 10.0) -> None:
        """Return once every update this process took has been handled (tests, the demo)."""
        async with asyncio.timeout(within_s):
            await self._all_handled.wait()

    def _take_in_hand(self, update_ids: Iterable[int]) -> None:
        self._in_hand.update(update_ids)
        if self._in_hand:
            self._all_handled.clear()

    async def close(self) -> None:
        """Write what is waiting, then stop the background task."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        await self._write_once()

    def _start(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="inbound-updates")

    async def _write(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(0)  # let the other updates finishing in this round join in
            self._wake.clear()
            await self._write_once()

    async def _write_once(self) -> None:
        to_keep, self._to_keep = self._to_keep, []
        finished, self._finished = self._finished, set()
        if not to_keep and not finished:
            return
        now = self._clock.now()
        rows = [
            {"update_id": payload["update_id"], "payload": payload, "received_at": now}
            for payload, _future in to_keep
        ]
        try:
            # urgent when Telegram waits for it; removing handled rows can wait its turn
            async with self._database.transaction(urgent=bool(rows)) as session:
                await insert_all_if_absent(session, InboundUpdate, rows, ["update_id"])
                if finished:
                    await session.execute(
                        delete(InboundUpdate).where(InboundUpdate.update_id.in_(finished))
                    )
        except Exception as error:
            for _payload, future in to_keep:
                if not future.done():
                    future.set_exception(error)
            if finished:  # not lost: a later write takes them along
                self._finished |= finished
            log.warning("could not write the inbound updates error=%s", type(error).__name__)
            return
        for _payload, future in to_keep:
            if not future.done():
                future.set_result(None)
