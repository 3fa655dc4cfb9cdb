"""Endings are written many to a transaction, yet one that cannot be written spoils no other."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxStatus
from bot.db.engine import Database
from bot.outbox import OutboxKind, OutgoingMessage
from bot.outbox.outcomes import Delivered, Outcome, Unreachable
from bot.outbox.recorder import Ending, EndingRecorder
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.outbox.store import ClaimedMessage
from tests.delivery.conftest import put, status_counts

BLOCKED = 5


class InstantTransport:
    """Every chat answers at once; one has blocked the bot."""

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        await asyncio.sleep(0)
        if chat_id == BLOCKED:
            return Unreachable("Forbidden: bot was blocked by the user")
        return Delivered(message_id=chat_id)


async def broken_hook(_session: AsyncSession, _chat_id: int, _reason: str) -> None:
    raise RuntimeError("the participant's table is locked")


async def test_failing_unreachable_hook_leaves_other_deliveries_recorded(
    database: Database, clock: FakeClock
) -> None:
    messages = [
        OutgoingMessage(
            chat_id=n, text="hi", kind=OutboxKind.REMINDER, intent_key=f"m{n}", participant_id=n
        )
        for n in range(1, 31)
    ]
    await put(database, clock, messages)
    settings = SenderSettings(global_per_second=10_000, private_interval_s=0)
    sender = OutboxSender(
        database, InstantTransport(), clock, settings=settings, on_unreachable=broken_hook
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await sender.wait_for(lambda stats: stats.sent >= 29, within_s=10)
    stop.set()
    await running

    # the blocked one's row stays `sending`: its lease runs out and it is tried again
    assert await status_counts(database) == Counter(
        {OutboxStatus.SENT: 29, OutboxStatus.SENDING: 1}
    )


async def test_deliveries_ending_together_are_recorded_in_one_transaction() -> None:
    transactions: list[list[int]] = []

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Any]:
        transactions.append([])
        yield None

    async def write(_session: Any, endings: Sequence[Ending]) -> None:
        transactions[-1].extend(ending.message.id for ending in endings)

    recorder = EndingRecorder(transaction, write, window_s=0.001)
    endings = [Ending(claimed(n), Delivered(message_id=n), tries=1) for n in range(1, 11)]
    await asyncio.gather(*(recorder.record(ending) for ending in endings))
    assert transactions == [list(range(1, 11))]


async def test_shutdown_while_gathering_leaves_no_delivery_waiting() -> None:
    transactions: list[str] = []

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Any]:
        transactions.append("opened")
        yield None

    async def write(_session: Any, _endings: Sequence[Ending]) -> None:
        pass

    recorder = EndingRecorder(transaction, write, window_s=60)
    first, second = (
        asyncio.create_task(recorder.record(Ending(claimed(n), Delivered(message_id=n), 1)))
        for n in (1, 2)
    )
    for _ in range(3):  # both endings handed in; the first is waiting out the window
        await asyncio.sleep(0)
    first.cancel()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert [type(result) for result in results] == [asyncio.CancelledError] * 2
    assert transactions == []


def claimed(outbox_id: int) -> ClaimedMessage:
    return ClaimedMessage(
        id=outbox_id,
        chat_id=outbox_id,
        chat_type=ChatType.PRIVATE,
        method="sendMessage",
        payload={"text": "hi"},
        participant_id=None,
        kind="t",
        lease_until=datetime(2026, 1, 5, 8, 10, tzinfo=UTC),
    )
