"""The participant's menu of big buttons: logging and looking without typing a command."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event
from bot.i18n import Language, plural, text
from bot.sandbox import TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import bot_with_first_arm, button_for, enroll, new_code, offers


async def _steps(database: Database) -> list[tuple[str, int | None, int | None]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(Event.kind, Event.amount_cents, Event.quantity).order_by(Event.id)
        )
        return [(kind, cents, quantity) for kind, cents, quantity in rows]


def _labels(keyboard: dict[str, object] | None) -> list[list[str]]:
    assert keyboard is not None, "no menu shown"
    rows = keyboard["keyboard"]
    assert isinstance(rows, list)
    return [[button["text"] for button in row] for row in rows]


async def test_after_intake_a_saver_has_a_persistent_menu_in_her_language(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="en")
        before = sanne.reply_keyboard
        await enroll(sanne, await new_code(database, clock), language="nl")
        keyboard = sanne.reply_keyboard
    assert before is None
    assert keyboard is not None
    assert keyboard["is_persistent"] is True
    assert keyboard["resize_keyboard"] is True
    assert _labels(keyboard) == [["💶 Ik heb gespaard"], ["📊 Hoe sta ik ervoor?", "❓ Hulp"]]


async def test_a_saver_logs_and_checks_progress_by_taps_only(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))  # goal €10
        sanne.tap("💶 Ik heb gespaard")
        [how_much] = await sanne.wait_for_messages(count=1)
        sanne.press(how_much, button_for(how_much, "dep:1000"))
        [receipt] = await sanne.wait_for_messages(count=1)
        sanne.tap("💶 Ik heb gespaard")
        [again] = await sanne.wait_for_messages(count=1)
        sanne.press(again, "type:dep")
        [type_it] = await sanne.wait_for_messages(count=1)
        sanne.tap("📊 Hoe sta ik ervoor?")
        [progress] = await sanne.wait_for_messages(count=1)
    assert offers(how_much) == ["dep:500", "dep:1000", "dep:2000", "type:dep"]
    assert receipt["text"].startswith("Genoteerd: €\u00a010.")
    assert type_it["text"] == text(Language.NL, "menu.type_amount"), "digits only, no command"
    ten = format_amount(1000, Language.NL)
    assert progress["text"] == text(
        Language.NL,
        "progress.savings",
        total=ten,
        deposits=plural(Language.NL, "count.deposits", 1),
        period_total=ten,
        goal=ten,
    )
    assert await _steps(database) == [("deposit", 1000, None)]


async def test_a_jobseeker_logs_three_kinds_of_steps_by_taps_only(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "jobsearch"):
        emma = sandbox.add_user("Emma", language_code="nl")
        await enroll(
            emma, await new_code(database, clock), track="jobsearch", commitment="commit:3",
            language="en",
        )  # fmt: skip
        assert _labels(emma.reply_keyboard) == [
            ["📨 I applied for a job", "🗣 I had an interview"],
            ["💼 I found work", "🎓 Training"],
            ["📊 How am I doing?", "❓ Help"],
        ]
        emma.tap("📨 I applied for a job")
        [how_many] = await emma.wait_for_messages(count=1)
        emma.press(how_many, button_for(how_many, "steps:applied:2"))
        await emma.wait_for_messages(count=1)
        emma.tap("🗣 I had an interview")
        [how_many_interviews] = await emma.wait_for_messages(count=1)
        emma.press(how_many_interviews, button_for(how_many_interviews, "steps:interview:1"))
        await emma.wait_for_messages(count=1)
        emma.tap("💼 I found work")
        [what] = await emma.wait_for_messages(count=1)
        emma.press(what, "act:job:started_part_time")
        await emma.wait_for_messages(count=1)
        emma.tap("📊 How am I doing?")
        [progress] = await emma.wait_for_messages(count=1)
    assert offers(how_many) == [
        "steps:applied:1",
        "steps:applied:2",
        "steps:applied:3",
        "type:applied",
    ]
    assert "2 applications and 1 job interview" in progress["text"]
    assert [(kind, quantity) for kind, _, quantity in await _steps(database)] == [
        ("applied", 2),
        ("interview", 1),
        ("job", 1),
    ]


async def test_a_tap_alone_records_nothing_and_help_follows_the_track(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.tap("📨 Ik heb gesolliciteerd")
        [question] = await joost.wait_for_messages(count=1)
        joost.press(question, "type:applied")
        [type_it] = await joost.wait_for_messages(count=1)
        joost.tap("❓ Hulp")
        [help_text] = await joost.wait_for_messages(count=1)
    assert "Hoeveel sollicitaties" in question["text"]
    assert type_it["text"] == text(Language.NL, "menu.type_count"), "digits only, no command"
    assert "/applied" in help_text["text"]
    assert await _steps(database) == []
