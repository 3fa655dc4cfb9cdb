"""A message held past half its lease renews it, and one whose lease was taken is not sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.outbox import OutboxKind, OutgoingMessage
from bot.outbox.outcomes import Delivered, Outcome, Transient
from bot.outbox.sender import OutboxSender, SenderSettings
from tests.delivery.conftest import put

LEASE = timedelta(minutes=10)
SETTINGS = SenderSettings(
    global_per_second=1000, private_interval_s=0, lease=LEASE, backoff_base_s=0.001
)


class SlowFirstAttempt:
    """The first attempt fails after `takes` of wall time, during which `meanwhile` happens."""

    def __init__(self, wall: FakeClock, database: Database, takes: timedelta, *, taken: bool):
        self.wall, self.database, self.takes, self.taken = wall, database, takes, taken
        self.attempts = 0

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        self.attempts += 1
        if self.attempts > 1:
            return Delivered(message_id=1)
        self.wall.advance(self.takes)
        if self.taken:  # another sender saw the lease run out and claimed the row itself
            async with self.database.transaction() as session:
                await session.execute(
                    update(OutboxMessage).values(lease_until=self.wall.now() + LEASE)
                )
        return Transient("Gateway Timeout")


async def status_of_the_one(database: Database) -> OutboxStatus:
    async with database.transaction() as session:
        return (await session.execute(select(OutboxMessage.status))).scalar_one()


async def deliver(database: Database, clock: FakeClock, transport: SlowFirstAttempt) -> None:
    await put(
        database,
        clock,
        [OutgoingMessage(chat_id=1, text="x", kind=OutboxKind.REMINDER, intent_key="k")],
    )
    sender = OutboxSender(database, transport, clock, settings=SETTINGS, wall_clock=transport.wall)
    await sender.deliver_due()


async def test_retry_past_half_the_lease_renews_it_and_delivers(
    database: Database, clock: FakeClock
) -> None:
    transport = SlowFirstAttempt(
        FakeClock(clock.now()), database, timedelta(minutes=6), taken=False
    )
    await deliver(database, clock, transport)
    assert transport.attempts == 2
    assert await status_of_the_one(database) is OutboxStatus.SENT


async def test_retry_after_the_lease_was_taken_over_is_not_sent(
    database: Database, clock: FakeClock
) -> None:
    transport = SlowFirstAttempt(
        FakeClock(clock.now()), database, timedelta(minutes=11), taken=True
    )
    await deliver(database, clock, transport)
    assert transport.attempts == 1
    assert await status_of_the_one(database) is OutboxStatus.SENDING


class SlowTelegram:
    """Answers the first chat's message only after `takes` seconds, every other at once."""

    def __init__(self, takes: float) -> None:
        self.takes = takes
        self.attempts: list[int] = []

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        self.attempts.append(chat_id)
        if chat_id == 1:
            await asyncio.sleep(self.takes)
        return Delivered(message_id=len(self.attempts))


async def test_a_running_sender_keeps_the_lease_of_a_slow_message_and_sends_it_once(
    database: Database, clock: FakeClock
) -> None:
    # a lease of 0.4 s, and Telegram taking 1.5 s to answer: without renewals the sender's own
    # next claims would see the lease run out and send the message again
    settings = SenderSettings(
        global_per_second=1000, private_interval_s=0, lease=timedelta(seconds=0.4)
    )
    transport = SlowTelegram(takes=1.5)
    await put(
        database,
        clock,
        [OutgoingMessage(chat_id=1, text="x", kind=OutboxKind.REPLY, intent_key="slow")],
    )
    sender = OutboxSender(database, transport, clock, settings=settings)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        for n in range(2, 12):  # other work keeps the sender claiming meanwhile
            message = OutgoingMessage(
                chat_id=n, text="y", kind=OutboxKind.REPLY, intent_key=f"k{n}"
            )
            await put(database, clock, [message])
            sender.wake()
            await asyncio.sleep(0.15)
        await sender.wait_for(lambda stats: stats.sent == 11, within_s=10)
    finally:
        stop.set()
        await running
    assert transport.attempts.count(1) == 1
    async with database.transaction() as session:
        statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.SENT}
