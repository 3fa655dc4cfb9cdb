"""In the group: /report, counsellor commands (staff only), warnings, flood control, leaving."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import GroupReport, ModerationAction
from bot.db.study import Event
from bot.i18n import Language, text
from bot.sandbox import SandboxGroup, TelegramSandbox
from bot.services.peer_groups.mute_durations import describe, parse_mute
from experiments.records import EventKind
from tests.groups.world import SQLITE_ONLY, group_bot, ready_group, settle, texts
from tests.texts import expected, said

RUDE = "Wie wil mijn oude telefoon kopen? 50 euro!"
NO_REASON = text(Language.NL, "join.no_reason")


def _hours(n: int) -> str:
    """A mute of `n` hours, as the bot says it in Dutch."""
    return expected("duration.hours", count=n)


async def _actions(database: Database) -> list[ModerationAction]:
    async with database.transaction() as session:
        return list(await session.scalars(select(ModerationAction).order_by(ModerationAction.id)))


async def _bot_says(sandbox: TelegramSandbox, chat: SandboxGroup, count: int) -> list[str]:
    """Wait until the bot has said `count` more things in the group; return all it said."""
    before = len(chat.messages)
    await sandbox.wait_for(
        lambda: len(chat.messages) >= before + count, what="the bot in the group"
    )
    return texts(chat.messages)[before:]


@SQLITE_ONLY
async def test_report_reaches_the_counsellor_privately_and_resolving_forgets_the_text(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        rude = anna.send_in_group(chat, RUDE)
        command = bert.send_in_group(chat, "/report", reply_to=rude)
        [alert] = await leader.wait_for_messages(count=1)
        [thanks] = await bert.wait_for_messages(count=1)
        await sandbox.wait_for(lambda: command["message_id"] in chat.deleted_message_ids)
        async with database.transaction() as session:
            stored = await session.scalar(select(GroupReport.text))
        leader.press(alert, alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        [resolved] = await leader.wait_for_messages(count=1)
        await settle(runtime)
    link = f"https://t.me/c/{str(chat.id).removeprefix('-100')}/{rude['message_id']}"
    assert said(alert["text"], "reports.to_counsellor", report=1, group=1, words=RUDE, link=link)
    assert thanks["text"] == text(Language.NL, "reports.thanks")
    assert stored == RUDE
    assert resolved["text"] == expected("reports.resolved", report=1)
    async with database.transaction() as session:
        report = await session.scalar(select(GroupReport))
    assert report is not None
    assert report.text is None
    assert report.resolved_at is not None


@SQLITE_ONLY
async def test_mute_by_a_participant_is_refused_and_nothing_happens(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Hallo allemaal")
        bert.send_in_group(chat, "/mute", reply_to=posted)
        [refusal] = await _bot_says(sandbox, chat, 1)
    assert refusal == text(Language.NL, "moderation.not_allowed")
    assert not chat.is_muted(anna)
    assert await _actions(database) == []


@SQLITE_ONLY
async def test_mute_by_the_counsellor_restricts_the_target_and_is_logged(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Koop nu!")
        leader.send_in_group(chat, "/mute 2h reclame", reply_to=posted)
        [answer] = await _bot_says(sandbox, chat, 1)
        await sandbox.wait_for(lambda: chat.is_muted(anna), what="the member muted")
    [action] = await _actions(database)
    assert answer == expected(
        "join.mod_muted", name="Deelnemer 0", duration=_hours(2), reason="reclame"
    )
    assert (action.action, action.actor_role, action.actor_telegram_id) == (
        "mute",
        "counsellor",
        leader.id,
    )
    assert action.reason == "reclame"
    assert action.target_member_id is not None
    assert action.until is not None
    assert action.until - action.at == timedelta(hours=2)


@SQLITE_ONLY
async def test_third_warning_mutes_and_tells_the_counsellor(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Dit is een test")
        answers = []
        for _ in range(3):
            leader.send_in_group(chat, "/warn", reply_to=posted)
            answers += await _bot_says(sandbox, chat, 1)
        await sandbox.wait_for(lambda: chat.is_muted(anna), what="the member muted")
        [told] = await leader.wait_for_messages(count=1)
    anna_warned: dict[str, Any] = {"name": "Deelnemer 0", "reason": NO_REASON}
    assert answers[0] == expected("join.mod_warned", count=1, limit=3, **anna_warned)
    assert answers[2] == expected(
        "join.mod_warned_muted", limit=3, duration=_hours(1), **anna_warned
    )
    assert said(told["text"], "moderation.limit_reached", group=1, count=3, duration=_hours(1))
    assert "/unmute" in told["text"]
    assert "/remove" in told["text"]
    assert [a.action for a in await _actions(database)] == ["warn", "warn", "warn", "limit_mute"]


@SQLITE_ONLY
async def test_unmute_remove_and_pin_do_what_they_say(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        posted = anna.send_in_group(chat, "Hoi")
        leader.send_in_group(chat, "/mute", reply_to=posted)
        await sandbox.wait_for(lambda: chat.is_muted(anna), what="muted")
        leader.send_in_group(chat, "/unmute", reply_to=posted)
        await sandbox.wait_for(lambda: not chat.is_muted(anna), what="unmuted")
        leader.send_in_group(chat, "/remove", reply_to=bert.send_in_group(chat, "Hoi"))
        await sandbox.wait_for(lambda: chat.is_banned(bert), what="removed")
        welcome = chat.messages[1]  # the bot's own message, rules and all
        leader.send_in_group(chat, "/pin", reply_to=welcome)
        await sandbox.wait_for(lambda: chat.pinned_message_ids == [welcome["message_id"]])
        await settle(runtime)
    assert chat.is_member(anna)
    assert [a.action for a in await _actions(database)] == ["mute", "unmute", "remove", "pin"]


async def test_flood_control_mutes_ten_messages_in_five_seconds_and_tells_the_counsellor(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        for n in range(10):
            anna.send_in_group(chat, f"bericht {n}")
        flood_muted = expected("moderation.flood_muted", duration=_hours(1))
        await sandbox.wait_for(lambda: chat.is_muted(anna), what="the flooder muted")
        [told] = await leader.wait_for_messages(count=1)
        await sandbox.wait_for(
            lambda: flood_muted in texts(chat.messages),
            what="the notice in the group",
        )
    assert said(
        told["text"], "moderation.flood_told", group=1, count=10, seconds=5, duration=_hours(1)
    )
    assert [a.action for a in await _actions(database)] == ["flood_mute"]


@SQLITE_ONLY
async def test_counsellor_is_exempt_from_flood_control(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, *_) = await ready_group(sandbox, database, clock, runtime)
        for n in range(12):
            leader.send_in_group(chat, f"welkom {n}")
        anna.send_in_group(chat, "/rules")
        [rules] = await _bot_says(sandbox, chat, 1)
    assert rules == text(Language.NL, "groups.rules")
    assert await _actions(database) == []


@SQLITE_ONLY
async def test_leaving_is_recorded_as_an_event(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        _leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        anna.leave(chat)
        bert.send_in_group(chat, "/rules")  # updates are handled in order: this answer comes after
        await _bot_says(sandbox, chat, 1)
    async with database.transaction() as session:
        kinds = list(await session.scalars(select(Event.kind).where(Event.source == "group")))
    assert kinds.count(EventKind.GROUP_JOIN) == 4
    assert kinds.count(EventKind.GROUP_LEAVE) == 1


@pytest.mark.parametrize(
    ("args", "duration", "reason"),
    [
        ((), timedelta(hours=1), None),
        (("30m",), timedelta(minutes=30), None),
        (("2h", "reclame"), timedelta(hours=2), "reclame"),
        (("3u",), timedelta(hours=3), None),
        (("1d", "even", "afkoelen"), timedelta(days=1), "even afkoelen"),
        (("9999d",), timedelta(days=366), None),
        (("vervelend",), timedelta(hours=1), "vervelend"),
    ],
)
def test_mute_takes_an_optional_duration_then_a_reason(
    args: tuple[str, ...], duration: timedelta, reason: str | None
) -> None:
    assert parse_mute(args, timedelta(hours=1)) == (duration, reason)


def test_durations_are_said_in_the_largest_whole_unit() -> None:
    assert describe(timedelta(hours=2), Language.NL) == expected("duration.hours", count=2)
    assert describe(timedelta(minutes=90), Language.EN) == expected(
        "duration.minutes", language=Language.EN, count=90
    )
    assert describe(timedelta(days=1), Language.EN) == expected(
        "duration.days", language=Language.EN, count=1
    )


@SQLITE_ONLY
async def test_a_mute_telegram_refuses_is_not_announced_and_the_counsellor_hears_why(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with group_bot(sandbox, database, clock) as runtime:
        leader, chat, (anna, bert, *_) = await ready_group(sandbox, database, clock, runtime)
        chat.add_bot(admin=True, can_restrict_members=False)  # someone took the right away
        shown_before = len(chat.messages)
        posted = anna.send_in_group(chat, "Koop nu!")
        leader.send_in_group(chat, "/mute", reply_to=posted)
        *_alert, told = await leader.wait_for_messages(count=2)
        await settle(runtime)
        bert.send_in_group(chat, "/rules")
        [rules] = await _bot_says(sandbox, chat, 1)
    [action] = await _actions(database)
    because = text(Language.NL, "outcome.why_rights")
    what = text(Language.NL, "outcome.what_mute", name="Deelnemer 0")
    assert told["text"] == text(Language.NL, "outcome.not_done", what=what, group=1, why=because)
    # nothing was announced in the group: its only new message is the answer to /rules
    assert texts(chat.messages[shown_before:]) == [rules]
    assert not chat.is_muted(anna)
    assert action.action == "mute"
    assert action.failure is not None
    assert "rights" in action.failure
    assert rules == text(Language.NL, "groups.rules")  # a refused call never silences the chat
