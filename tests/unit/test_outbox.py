from __future__ import annotations

from collections import Counter, defaultdict, deque
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.engine import Database
from bot.outbox import OutboxKind, OutgoingMessage, enqueue
from bot.outbox.outcomes import Delivered, Outcome, Rejected, Transient, Unreachable
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.outbox.store import mark_reachable
from tests.conftest import ENGINES

pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)

FAST = SenderSettings(
    global_per_second=1000, private_interval_s=0, backoff_base_s=0.001, backoff_max_s=0.01
)


class ScriptedTransport:
    """Answers each chat with scripted outcomes (then success), recording every attempt."""

    def __init__(self) -> None:
        self.script: dict[int, deque[Outcome]] = defaultdict(deque)
        self.attempts: list[tuple[int, str]] = []
        self.delivered: Counter[int] = Counter()

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        self.attempts.append((chat_id, payload.get("text", "")))
        if self.script[chat_id]:
            return self.script[chat_id].popleft()
        self.delivered[chat_id] += 1
        return Delivered(message_id=len(self.attempts))


def message(chat_id: int, key: str, **kwargs: Any) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=chat_id, text=f"hello {key}", kind=OutboxKind.REMINDER, intent_key=key, **kwargs
    )


async def put(database: Database, clock: FakeClock, *messages: OutgoingMessage) -> list[bool]:
    async with database.transaction() as session:
        return [await enqueue(session, m, clock.now()) for m in messages]


async def statuses(database: Database) -> dict[str, OutboxStatus]:
    async with database.transaction() as session:
        rows = await session.execute(select(OutboxMessage.intent_key, OutboxMessage.status))
        return {key: status for key, status in rows}


def make_sender(database: Database, clock: FakeClock, transport: ScriptedTransport) -> OutboxSender:
    return OutboxSender(database, transport, clock, settings=FAST)


async def test_same_intent_is_queued_once(database: Database, clock: FakeClock) -> None:
    nudge = message(1, "nudge:7:2026-W02")
    added = await put(database, clock, nudge, nudge)
    assert added == [True, False]
    transport = ScriptedTransport()
    await make_sender(database, clock, transport).deliver_due()
    assert transport.delivered[1] == 1


async def test_delivered_message_is_not_sent_again(database: Database, clock: FakeClock) -> None:
    await put(database, clock, message(1, "a"), message(2, "b"))
    transport = ScriptedTransport()
    sender = make_sender(database, clock, transport)
    assert await sender.deliver_due() == 2
    assert await sender.deliver_due() == 0
    assert transport.delivered == Counter({1: 1, 2: 1})
    assert set((await statuses(database)).values()) == {OutboxStatus.SENT}


async def test_one_chat_gets_its_messages_in_order(database: Database, clock: FakeClock) -> None:
    await put(database, clock, *(message(1, f"m{i}") for i in range(5)))
    transport = ScriptedTransport()
    await make_sender(database, clock, transport).deliver_due()
    assert [text for _, text in transport.attempts] == [f"hello m{i}" for i in range(5)]


async def test_server_errors_are_retried_until_delivered(
    database: Database, clock: FakeClock
) -> None:
    await put(database, clock, message(1, "a"))
    transport = ScriptedTransport()
    transport.script[1].extend([Transient("Internal Server Error")] * 3)
    await make_sender(database, clock, transport).deliver_due()
    assert transport.delivered[1] == 1
    async with database.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.status is OutboxStatus.SENT
    assert row.attempts == 4


async def test_endless_server_errors_end_as_failed_with_reason(
    database: Database, clock: FakeClock
) -> None:
    await put(database, clock, message(1, "a"))
    transport = ScriptedTransport()
    transport.script[1].extend([Transient("Bad Gateway")] * 100)
    sender = make_sender(database, clock, transport)
    await sender.deliver_due()
    async with database.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.status is OutboxStatus.FAILED
    assert "Bad Gateway" in (row.last_error or "")
    assert len(transport.attempts) == FAST.max_attempts


async def test_blocked_person_is_never_tried_again(database: Database, clock: FakeClock) -> None:
    first, second = message(1, "first", participant_id=7), message(1, "second", participant_id=7)
    await put(database, clock, first, second, message(2, "other"))
    transport = ScriptedTransport()
    transport.script[1].append(Unreachable("Forbidden: bot was blocked by the user"))
    sender = make_sender(database, clock, transport)
    await sender.deliver_due()
    await put(database, clock, message(1, "third", participant_id=7))
    await sender.deliver_due()
    assert [chat for chat, _ in transport.attempts].count(1) == 1
    assert (await statuses(database))["second"] is OutboxStatus.CANCELLED
    assert (await statuses(database))["third"] is OutboxStatus.CANCELLED
    assert (await statuses(database))["other"] is OutboxStatus.SENT


async def test_writing_again_lifts_the_block(database: Database, clock: FakeClock) -> None:
    await put(database, clock, message(1, "before", participant_id=7))
    transport = ScriptedTransport()
    transport.script[1].append(Unreachable("Forbidden: bot was blocked by the user"))
    sender = make_sender(database, clock, transport)
    await sender.deliver_due()
    async with database.transaction() as session:
        assert await mark_reachable(session, 1)
    await put(database, clock, message(1, "after", participant_id=7))
    await sender.deliver_due()
    assert transport.delivered[1] == 1


async def test_stranger_who_blocks_leaves_no_trace(database: Database, clock: FakeClock) -> None:
    await put(database, clock, message(1, "hello"))
    transport = ScriptedTransport()
    transport.script[1].append(Unreachable("Forbidden: bot was blocked by the user"))
    await make_sender(database, clock, transport).deliver_due()
    async with database.transaction() as session:
        chats = (await session.execute(select(OutboxMessage.chat_id))).scalars().all()
        blocked = (await session.execute(select(UnreachableChat))).scalars().all()
    assert chats == [None]
    assert blocked == []


async def test_rejected_message_fails_without_retry(database: Database, clock: FakeClock) -> None:
    await put(database, clock, message(1, "a"))
    transport = ScriptedTransport()
    transport.script[1].append(Rejected("Bad Request: message text is empty"))
    await make_sender(database, clock, transport).deliver_due()
    assert (await statuses(database))["a"] is OutboxStatus.FAILED
    assert len(transport.attempts) == 1


async def test_message_waits_for_its_time(database: Database, clock: FakeClock) -> None:
    later = clock.now() + timedelta(hours=13)
    await put(database, clock, message(1, "morning", not_before=later))
    transport = ScriptedTransport()
    sender = make_sender(database, clock, transport)
    assert await sender.deliver_due() == 0
    clock.advance(timedelta(hours=13))
    assert await sender.deliver_due() == 1


async def test_row_of_a_crashed_sender_is_retried_after_its_lease(
    database: Database, clock: FakeClock
) -> None:
    await put(database, clock, message(1, "a"))
    wall = FakeClock(clock.now())
    async with database.transaction() as session:
        await session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.SENDING, lease_until=wall.now() + timedelta(minutes=10)
            )
        )
    transport = ScriptedTransport()
    sender = OutboxSender(database, transport, clock, settings=FAST, wall_clock=wall)
    assert await sender.deliver_due() == 0, "a live lease must be respected"
    wall.advance(timedelta(minutes=11))
    assert await sender.deliver_due() == 1
    assert transport.delivered[1] == 1


async def test_outbox_forgets_private_chat_of_a_non_participant(
    database: Database, clock: FakeClock
) -> None:
    await put(database, clock, message(1, "stranger"), message(2, "member", participant_id=7))
    await make_sender(database, clock, ScriptedTransport()).deliver_due()
    async with database.transaction() as session:
        rows = await session.execute(select(OutboxMessage.intent_key, OutboxMessage.chat_id))
        chats = {key: chat for key, chat in rows}
    assert chats == {"stranger": None, "member": 2}


async def test_group_messages_keep_their_chat(database: Database, clock: FakeClock) -> None:
    await put(database, clock, message(-100, "post", chat_type=ChatType.GROUP))
    await make_sender(database, clock, ScriptedTransport()).deliver_due()
    async with database.transaction() as session:
        chat = (await session.execute(select(OutboxMessage.chat_id))).scalar_one()
    assert chat == -100
