"""/delete reaches the group chat: the bot edits its own sent group messages that named the
person, through the outbox, so the name is gone from the chat too."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.outbox.messages import Priority
from bot.services.participants import deletion
from bot.services.runner import TurnRunner

from .conftest import Person, enroll

GROUP_CHAT = -100_777


async def sent_in_group(
    database: Database, clock: FakeClock, words: str, telegram_message_id: int, *, key: str
) -> None:
    """A message the bot posted in a group, as the sender leaves it once Telegram took it."""
    async with database.transaction() as session:
        session.add(
            OutboxMessage(
                intent_key=key,
                chat_id=GROUP_CHAT,
                chat_type=ChatType.GROUP,
                method="sendMessage",
                payload={"text": words},
                kind="progress_shared",
                status=OutboxStatus.SENT,
                priority=Priority.BULK,
                rank_at=clock.now(),
                not_before=clock.now(),
                created_at=clock.now(),
                sent_at=clock.now(),
                telegram_message_id=telegram_message_id,
            )
        )


async def edits(database: Database) -> list[tuple[int | None, str, int]]:
    """(chat, text, message id) of every queued editMessageText."""
    async with database.snapshot() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.method == "editMessageText")
            .order_by(OutboxMessage.id)
        )
        return [(r.chat_id, r.payload["text"], r.payload["message_id"]) for r in rows]


async def test_delete_edits_the_bots_group_messages_that_named_the_person(
    database: Database, clock: FakeClock, runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    await sent_in_group(database, clock, "Goed gedaan, Sanne! Je spaarde.", 41, key="cheer:1")
    await sent_in_group(database, clock, "Goed gedaan, Kees!", 42, key="cheer:2")
    await person.run(lambda turn, trial: deletion.erase(turn, True, trial))
    assert await edits(database) == [(GROUP_CHAT, "Goed gedaan, …! Je spaarde.", 41)]


async def test_delete_edits_nothing_in_a_group_when_no_message_named_the_person(
    database: Database, clock: FakeClock, runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    await sent_in_group(database, clock, "Goed gedaan, Kees!", 42, key="cheer:2")
    await person.run(lambda turn, trial: deletion.erase(turn, True, trial))
    assert await edits(database) == []
