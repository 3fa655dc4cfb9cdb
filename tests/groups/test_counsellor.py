"""The counsellor's private chat (/groups, /group, /post, /flags) and the admins' alerts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.groups.world import SQLITE_ONLY, counsellor, group_bot, peers, ready_group, scan, texts
from tests.texts import expected, said


@SQLITE_ONLY
async def test_groups_and_group_show_who_joined_who_is_silent_and_this_weeks_activity(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        clock.advance(timedelta(days=8))
        anna.send("/deposit 10")
        await anna.wait_for_messages(count=1)
        bert.send_in_group(chat, "Hoe gaat het met jullie?")
        # Updates of different chats run side by side: let the group message be counted first.
        await _until_counted(database, "group_message")
        leader.send("/groups")
        [overview] = await leader.wait_for_messages(count=1)
        leader.send("/group 1")
        [detail] = await leader.wait_for_messages(count=1)
    head = f"#1 · {text(Language.NL, 'track.savings')} · 26-35"
    this_week = expected(
        "counsellor.line_savings", head=head, joined=4, members=4, messages=1, doing=1
    )
    assert overview["text"].endswith(this_week)
    assert f"{anna.first_name} (m-" in detail["text"]
    lines = detail["text"].splitlines()
    silent = [line for line in lines if said(line, "counsellor.member_silent")]
    assert len(silent) == 3, "three members said nothing for more than 7 days"
    assert f"{bert.first_name} (m-" in next(
        line for line in lines if said(line, "counsellor.member_joined")
    )


@SQLITE_ONLY
async def test_post_puts_the_counsellors_words_in_their_group_only(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, _members = await ready_group(sandbox, database, clock, runtime)
        leader.send("/post 1 Goedemorgen allemaal! Vanavond om 8 uur een videobel?")
        [done] = await leader.wait_for_messages(count=1)
        await sandbox.wait_for(lambda: "Goedemorgen" in texts(chat.messages)[-1])
        stranger = sandbox.add_user("Piet")
        stranger.send("/post 1 Spam")
        [refusal] = await stranger.wait_for_messages(count=1)
    assert done["text"] == expected("counsellor.posted", group=1)
    assert refusal["text"] == text(Language.NL, "staff.not_allowed")
    assert not [t for t in texts(chat.messages) if "Spam" in t]


@SQLITE_ONLY
async def test_flags_lists_open_reports_with_a_button_to_resolve(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        bert.send_in_group(chat, "/report", reply_to=anna.send_in_group(chat, "Stom"))
        await leader.wait_for_messages(count=1)
        leader.send("/flags")
        [flags] = await leader.wait_for_messages(count=1)
        leader.press(flags, "flag:1")
        await leader.wait_for_messages(count=1)
        leader.send("/flags")
        [empty] = await leader.wait_for_messages(count=1)
    assert said(flags["text"], "reports.line", within=True, report=1, group=1, words="Stom")
    assert empty["text"] == text(Language.NL, "reports.none")


async def test_admins_hear_of_an_inactive_counsellor_and_a_group_below_its_minimum(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna Admin")
    admin.record.started = True
    async with group_bot(sandbox, database, clock, admins=[admin]) as runtime:
        _leader, chat, (anna, bert, *_) = await ready_group(
            sandbox, database, clock, runtime, size=3
        )
        anna.leave(chat)
        bert.send_in_group(chat, "/rules")  # handled after the leave: updates come in order
        rules = text(Language.NL, "groups.rules")
        await sandbox.wait_for(lambda: texts(chat.messages)[-1] == rules)
        clock.advance(timedelta(days=8))
        await scan(runtime)
        await scan(runtime)  # the same spells are not alerted twice
    inactive, small = texts(admin.messages)
    bound = expected("alerts.group_ref", group=1)
    assert inactive == expected(
        "alerts.counsellor_inactive", staff=1, days=8, groups=bound, group=1
    )
    nobody = expected("alerts.nobody")
    assert said(small, "alerts.group_small", group=1, members=2, minimum=3, missing=nobody)


@SQLITE_ONLY
async def test_an_admin_hands_a_group_to_another_counsellor(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    admin = sandbox.add_user("Anna Admin")
    async with group_bot(sandbox, database, clock, admins=[admin]) as runtime:
        await counsellor(sandbox, database, clock)
        await peers(sandbox, database, clock, runtime, 3)
        await scan(runtime)
        other = await counsellor(sandbox, database, clock, name="Otto")
        admin.send("/assign 1 2")
        [done] = await admin.wait_for_messages(count=1)
        [told] = await other.wait_for_messages(count=1)
    assert done["text"] == expected("counsellor.assigned", group=1, staff=2)
    assert said(told["text"], "groups.ready", group=1)


async def _until_counted(database: Database, kind: str) -> None:
    """Wait (bounded) until the bot has recorded an event of `kind`."""
    async with asyncio.timeout(10):
        while True:
            async with database.transaction() as session:
                found = await session.scalar(select(func.count()).where(Event.kind == kind))
            if found:
                return
            await asyncio.sleep(0.02)
