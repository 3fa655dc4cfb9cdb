"""Moderation in the open, and the group following the trial: stop, erase, remove, resume,
and the bot noticing when it is taken out of a group or loses its rights."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import GroupMember, MemberStatus
from bot.sandbox import SandboxGroup, TelegramSandbox
from tests.e2e.journey import stop
from tests.groups.test_erasure import traces_of
from tests.groups.world import (
    SQLITE_ONLY,
    bind,
    bind_code,
    counsellor,
    group_bot,
    groups_in,
    join,
    link_of,
    peers,
    ready_group,
    scan,
    settle,
    texts,
)
from tests.texts import expected, said


async def _bot_says(
    sandbox: TelegramSandbox, chat: SandboxGroup, count: int
) -> list[dict[str, Any]]:
    before = len(chat.messages)
    await sandbox.wait_for(lambda: len(chat.messages) >= before + count, what="the bot says")
    return list(chat.messages[before:])


async def _statuses(database: Database) -> list[MemberStatus]:
    async with database.transaction() as session:
        members = await session.scalars(select(GroupMember).order_by(GroupMember.id))
        return [m.status for m in members]


async def test_a_warning_replies_to_the_message_names_the_member_and_tells_them_privately(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Koop mijn spullen!")
        leader.send_in_group(chat, "/warn geen verkoop in de groep", reply_to=posted)
        [warning] = await _bot_says(sandbox, chat, 1)
        [note] = await anna.wait_for_messages(count=1)
        await settle(runtime)
        named = await traces_of(database, anna)
        anna.send("/delete")
        [confirm] = await anna.wait_for_messages(count=1)
        anna.press(confirm, "del:yes")
        await anna.wait_for_messages(count=1)
        await settle(runtime)
        left = await traces_of(database, anna)

    assert warning["reply_to_message"]["message_id"] == posted["message_id"]
    reason = "geen verkoop in de groep"
    assert warning["text"] == expected(
        "join.mod_warned", name=anna.first_name, count=1, limit=3, reason=reason
    )
    [entity] = [e for e in warning["entities"] if e["type"] == "text_mention"]
    assert entity["user"]["id"] == anna.id
    assert (entity["offset"], entity["length"]) == (0, len(anna.first_name))
    assert note["text"] == expected("join.note_warned", count=1, limit=3, reason=reason)
    assert expected("menu.ask") in note["text"]  # the button to tap, not a command to type
    assert any(trace.startswith("outbox_messages.payload") for trace in named)
    assert left == []  # erasure scrubbed the mention (and its Telegram id) from the reply


@SQLITE_ONLY
async def test_a_mute_tells_the_member_how_long_and_unmute_resets_the_warnings(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Hoi")
        leader.send_in_group(chat, "/warn", reply_to=posted)
        leader.send_in_group(chat, "/warn", reply_to=posted)
        leader.send_in_group(chat, "/mute 2h schelden", reply_to=posted)
        await _bot_says(sandbox, chat, 3)
        notes = await anna.wait_for_messages(count=3)
        leader.send_in_group(chat, "/unmute", reply_to=posted)
        [unmuted] = await _bot_says(sandbox, chat, 1)
        await sandbox.wait_for(lambda: not chat.is_muted(anna), what="unmuted")
        leader.send_in_group(chat, "/warn", reply_to=anna.send_in_group(chat, "Sorry"))
        [again] = await _bot_says(sandbox, chat, 1)

    two_hours = expected("duration.hours", count=2)
    assert notes[2]["text"] == expected("join.note_muted", duration=two_hours, reason="schelden")
    assert unmuted["text"] == expected("join.mod_unmuted", name=anna.first_name)
    assert said(again["text"], "join.mod_warned", name=anna.first_name, count=1, limit=3)


@SQLITE_ONLY
async def test_who_stops_leaves_the_group_and_gets_a_fresh_link_on_resume(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        first_link = link_of(anna)
        await stop(anna)
        await sandbox.wait_for(lambda: not chat.is_member(anna), what="anna out of the group")
        await settle(runtime)
        stopped = await _statuses(database)
        banned = chat.is_banned(anna)
        anna.send("/resume")
        got = await anna.wait_for_messages(count=2)
        anna.request_join(link_of(anna))
        await sandbox.wait_for(lambda: chat.is_member(anna), what="anna back in")
        await settle(runtime)
        back = await _statuses(database)

    assert stopped[0] is MemberStatus.LEFT
    assert not banned  # out, but not banned: she could come back
    assert expected("join.fresh_link", link=link_of(anna)) in texts(got)
    assert link_of(anna) != first_link
    assert back[0] is MemberStatus.JOINED


@SQLITE_ONLY
async def test_who_is_removed_leaves_the_group_unbanned_but_cannot_rejoin_by_link(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Ruzie")
        leader.send_in_group(chat, "/remove blijft schelden", reply_to=posted)
        # Telegram's "removed" service message first: the bot says so only once it is true
        _service, removed = await _bot_says(sandbox, chat, 2)
        [note] = await anna.wait_for_messages(count=1)
        await sandbox.wait_for(lambda: not chat.is_member(anna), what="anna removed")
        await settle(runtime)
        anna.request_join(link_of(anna))
        await sandbox.wait_for(lambda: not chat.pending_join_requests, what="declined")

    assert removed["text"] == expected(
        "join.mod_removed", name=anna.first_name, reason="blijft schelden"
    )
    assert removed["reply_to_message"]["message_id"] == posted["message_id"]
    assert note["text"] == expected("join.note_removed", reason="blijft schelden")
    assert not chat.is_banned(anna)
    assert not chat.is_member(anna)


async def test_the_counsellor_and_the_admin_hear_when_the_bot_is_removed_or_loses_rights(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna Admin")
    admin.record.started = True
    async with group_bot(sandbox, database, clock, admins=[admin]) as runtime:
        leader, chat, _members = await ready_group(sandbox, database, clock, runtime)
        chat.add_bot(admin=True, can_restrict_members=False)
        [demoted] = await leader.wait_for_messages(count=1)
        chat.remove_bot()
        [removed] = await leader.wait_for_messages(count=1)
        await admin.wait_for_messages(count=2)

    assert demoted["text"] == expected("alerts.bot_demoted", group=1)
    assert said(removed["text"], "alerts.bot_removed", group=1)
    assert "/bind" in removed["text"]
    assert texts(admin.messages)[-2:] == [demoted["text"], removed["text"]]


@SQLITE_ONLY
async def test_a_small_group_alert_counts_members_who_joined_not_those_assigned(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna Admin")
    admin.record.started = True
    async with group_bot(sandbox, database, clock, admins=[admin]) as runtime:
        leader = await counsellor(sandbox, database, clock)
        members = await peers(sandbox, database, clock, runtime, 5)
        await scan(runtime)
        [ready] = await leader.wait_for_messages(count=1)
        chat = await bind(sandbox, leader, bind_code(ready))
        await settle(runtime)
        for member in members:
            await member.wait_for_messages(count=1)
        await join(sandbox, chat, members[:2], database)
        await scan(runtime)
        early = texts(admin.messages)
        clock.advance(timedelta(hours=73))
        await scan(runtime)
        while_reminded = texts(admin.messages)
        clock.advance(timedelta(hours=24))
        await scan(runtime)
        [(group, _)] = await groups_in(database)

    assert early == while_reminded == []  # members get every reminder and time to answer it
    [alert] = texts(admin.messages)
    assert said(alert, "alerts.group_small", group=1, members=2, minimum=3)
    assert group.formed_size == 5
