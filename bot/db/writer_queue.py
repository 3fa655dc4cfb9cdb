"""One SQLite writer at a time within this process, with a lane for short, urgent writes."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterQueue:
    """A FIFO lock whose urgent waiters go before the ordinary ones.

    SQLite has one writer at a time. Waiting for it in SQLite's busy handler means sleeping in
    growing steps while the lock may already be free; queueing here hands it over at once.
    The outbox sender's claims and delivery records are urgent: behind a backlog of people's
    updates they would wait for every one of them, and the replies those updates queued would
    wait with them. Other processes still meet SQLite's busy timeout.
    """

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._ordinary:
            self._held = True
            return
        waiter = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._ordinary).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed the lock just as we were cancelled: pass it on
            else:
                (self._urgent if urgent else self._ordinary).remove(waiter)
            raise

    def _release(self) -> None:
        for lane in (self._urgent, self._ordinary):
            while lane:
                waiter = lane.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # stays held: handed over
                    return
        self._held = False
