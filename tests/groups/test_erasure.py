"""Erasure is complete: after /delete no column of any table names a group member or holds their
Telegram id, whatever others said about them (a report, a mention, a shared step, a queued post)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.groups import GroupMember
from bot.db.study import Participant
from bot.db.together import MemberChoices
from bot.outbox.messages import Priority
from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox
from tests.groups.world import group_bot, ready_group, settle, texts
from tests.texts import said as rendered_from


def _every_value(connection: Connection) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every column of every table."""
    found = []
    for table in inspect(connection).get_table_names():
        result = connection.execute(text(f'SELECT * FROM "{table}"'))
        columns = list(result.keys())
        for row in result:
            for column, value in zip(columns, row, strict=True):
                rendered = json.dumps(value, default=str) if isinstance(value, dict) else str(value)
                found.append((table, column, rendered))
    return found


async def traces_of(database: Database, person: SandboxUser) -> list[str]:
    """Every column that still holds the person's first name or Telegram id."""
    async with database.engine.connect() as connection:
        values = await connection.run_sync(_every_value)
    needles = (person.first_name, str(person.id))
    return [
        f"{table}.{column}: {value}"
        for table, column, value in values
        if any(needle in value for needle in needles)
    ]


async def _shares(database: Database, clock: FakeClock, person: SandboxUser) -> None:
    """The member chose to share, under their first name (the taps are tested at service level)."""
    async with database.transaction() as session:
        participant = await session.scalar(
            select(Participant).where(Participant.telegram_user_id == person.id)
        )
        assert participant is not None
        member = await session.scalar(
            select(GroupMember).where(GroupMember.participant_id == participant.id)
        )
        assert member is not None
        session.add(
            MemberChoices(
                participant_id=participant.id,
                group_id=member.group_id,
                shown_name=person.first_name,
                sharing_since=clock.now(),
                invited_at=clock.now(),
                hosted=0,
            )
        )


async def _delete(person: SandboxUser) -> None:
    person.send("/delete")
    [confirm] = await person.wait_for_messages(count=1)
    person.press(confirm, "del:yes")
    await person.wait_for_messages(count=1)


async def _group_post(
    database: Database, chat: SandboxGroup, clock: FakeClock, person: SandboxUser, *, sent: bool
) -> None:
    """A group message that mentions the person (a text_mention entity carries their id)."""
    words = f"Welkom {person.first_name}!"
    mention = {
        "type": "text_mention",
        "offset": 7,
        "length": len(person.first_name),
        "user": {"id": person.id, "is_bot": False, "first_name": person.first_name},
    }
    async with database.transaction() as session:
        session.add(
            OutboxMessage(
                intent_key=f"mention-test:{uuid.uuid4().hex}",
                chat_id=chat.id,
                chat_type=ChatType.GROUP,
                method="sendMessage",
                payload={"text": words, "entities": [mention]},
                kind="group_post",
                status=OutboxStatus.SENT if sent else OutboxStatus.PENDING,
                priority=Priority.BULK,
                rank_at=clock.now() + (timedelta(0) if sent else timedelta(days=3)),
                not_before=clock.now() + (timedelta(0) if sent else timedelta(days=3)),
                created_at=clock.now(),
                sent_at=clock.now() if sent else None,
            )
        )


async def test_after_delete_no_column_of_any_table_names_the_member_or_holds_their_id(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock, components=("progress_sharing",)) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        # she chose to share her steps under her first name: a post naming her
        await _shares(database, clock, anna)
        anna.send("/deposit 10")
        await anna.wait_for_messages(count=1)
        # a report about her message, which carries her name and phone number
        said = anna.send_in_group(chat, f"Ik ben {anna.first_name}, bel me: 0612345678")
        bert.send_in_group(chat, "/report", reply_to=said)
        [alert] = await leader.wait_for_messages(count=1)
        # a counsellor's post that mentions her by link, and mentions by entity, sent and queued
        leader.send(f"/post 1 Goed bezig, tg://user?id={anna.id} en {anna.first_name}!")
        await leader.wait_for_messages(count=1)
        await _group_post(database, chat, clock, anna, sent=True)
        await _group_post(database, chat, clock, anna, sent=False)
        await settle(runtime)
        before = await traces_of(database, anna)
        shown_before = texts(chat.messages)
        await _delete(anna)
        await settle(runtime)
    assert anna.first_name in alert["text"]
    shared = "together.shared.deposits"
    assert any(rendered_from(t, shared, name=anna.first_name, count=1) for t in shown_before)
    # The bot edited its own group messages that named her: the chat no longer shows her name.
    assert not [t for t in texts(chat.messages) if anna.first_name in t]
    assert {trace.split(":")[0] for trace in before} >= {
        "group_reports.text",
        "outbox_messages.payload",
        "participants.telegram_user_id",
        "member_choices.shown_name",
    }
    assert await traces_of(database, anna) == []


async def test_delete_cancels_a_queued_group_post_naming_the_member_and_keeps_others(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        await _group_post(database, chat, clock, anna, sent=False)
        await _group_post(database, chat, clock, bert, sent=False)
        await _delete(anna)
        await settle(runtime)
    async with database.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "group_post")
                .order_by(OutboxMessage.id)
            )
        )
    assert [(row.status, row.payload) for row in rows] == [
        (OutboxStatus.CANCELLED, {}),
        (OutboxStatus.PENDING, rows[1].payload),
    ]
    assert rows[1].payload["text"] == f"Welkom {bert.first_name}!"
