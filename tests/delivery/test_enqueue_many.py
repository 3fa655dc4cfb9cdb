"""Enqueueing many messages at once keeps `enqueue`'s promises."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.engine import Database
from bot.outbox import OutboxKind, OutgoingMessage, enqueue, enqueue_many


def message(chat_id: int, key: str) -> OutgoingMessage:
    return OutgoingMessage(chat_id=chat_id, text=key, kind=OutboxKind.REMINDER, intent_key=key)


async def rows(database: Database) -> dict[str, tuple[OutboxStatus, str | None]]:
    async with database.transaction() as session:
        found = await session.execute(
            select(OutboxMessage.intent_key, OutboxMessage.status, OutboxMessage.last_error)
        )
        return {key: (status, error) for key, status, error in found}


async def test_each_intent_is_queued_once_across_calls(
    database: Database, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        await enqueue(session, message(1, "a"), clock.now())
        added = await enqueue_many(
            session, [message(1, "a"), message(2, "b"), message(2, "b")], clock.now()
        )
        again = await enqueue_many(session, [message(2, "b")], clock.now())
    assert (added, again) == (1, 0)
    assert set(await rows(database)) == {"a", "b"}


async def test_message_for_a_blocked_chat_is_kept_as_cancelled(
    database: Database, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        session.add(UnreachableChat(chat_id=1, since=clock.now(), reason="blocked"))
        await session.flush()
        await enqueue_many(session, [message(1, "a"), message(2, "b")], clock.now())
    assert await rows(database) == {
        "a": (OutboxStatus.CANCELLED, "unreachable: blocked"),
        "b": (OutboxStatus.PENDING, None),
    }


async def test_message_is_due_when_it_says(database: Database, clock: FakeClock) -> None:
    later = clock.now() + timedelta(hours=3)
    timed = OutgoingMessage(
        chat_id=1, text="x", kind=OutboxKind.REMINDER, intent_key="t", not_before=later
    )
    async with database.transaction() as session:
        await enqueue_many(session, [timed, message(2, "now")], clock.now())
        due = await session.execute(select(OutboxMessage.intent_key, OutboxMessage.not_before))
        times = {key: moment for key, moment in due}
    assert times == {"t": later, "now": clock.now()}
