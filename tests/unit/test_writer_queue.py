"""SQLite's writer queue: one at a time, in order, urgent ones first, cancellation-safe."""

from __future__ import annotations

import asyncio

import pytest

from bot.db.writer_queue import WriterQueue


async def test_writers_take_turns_in_order_with_urgent_ones_first() -> None:
    queue = WriterQueue()
    order: list[str] = []
    inside = 0
    everyone_waits = asyncio.Event()

    async def write(name: str, *, urgent: bool = False) -> None:
        nonlocal inside
        async with queue.turn(urgent=urgent):
            inside += 1
            assert inside == 1, "two writers at once"
            order.append(name)
            if name == "first":
                await everyone_waits.wait()
            await asyncio.sleep(0)
            inside -= 1

    first = asyncio.create_task(write("first"))
    await asyncio.sleep(0)  # holds the queue now
    waiting = [
        asyncio.create_task(write("update 1")),
        asyncio.create_task(write("update 2")),
        asyncio.create_task(write("sender claim", urgent=True)),
    ]
    await asyncio.sleep(0)  # all three queued
    everyone_waits.set()
    await asyncio.gather(first, *waiting)
    assert order == ["first", "sender claim", "update 1", "update 2"]


async def test_a_cancelled_waiter_does_not_block_the_ones_behind_it() -> None:
    queue = WriterQueue()
    release = asyncio.Event()
    done: list[str] = []

    async def hold() -> None:
        async with queue.turn():
            await release.wait()

    async def write(name: str) -> None:
        async with queue.turn():
            done.append(name)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(write("cancelled"))
    behind = asyncio.create_task(write("behind"))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.wait_for(asyncio.gather(holder, behind), timeout=5)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert done == ["behind"]
    async with asyncio.timeout(5), queue.turn():  # free again
        pass
