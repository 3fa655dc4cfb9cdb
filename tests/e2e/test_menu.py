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
from tests.texts import expected, said


def nl(key: str, **params: object) -> str:
    return expected(key, language=Language.NL, **params)


def en(key: str, **params: object) -> str:
    return expected(key, language=Language.EN, **params)


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
    assert _labels(keyboard) == [
        [nl("menu.saved"), nl("menu.took_out"), nl("menu.undo")],
        [nl("menu.progress"), nl("menu.help")],
    ]


async def test_a_saver_logs_and_checks_progress_by_taps_only(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))  # goal €10
        sanne.tap(nl("menu.saved"))
        [how_much] = await sanne.wait_for_messages(count=1)
        sanne.press(how_much, button_for(how_much, "dep:1000"))
        [receipt] = await sanne.wait_for_messages(count=1)
        sanne.tap(nl("menu.saved"))
        [again] = await sanne.wait_for_messages(count=1)
        sanne.press(again, "type:dep")
        [type_it] = await sanne.wait_for_messages(count=1)
        sanne.tap(nl("menu.progress"))
        [progress] = await sanne.wait_for_messages(count=1)
    assert offers(how_much) == ["dep:500", "dep:1000", "dep:2000", "type:dep"]
    ten = format_amount(1000, Language.NL)
    assert receipt["text"] == nl(
        "goal_reached.confirmation_deposit", amount=ten, total=ten, goal=ten
    )
    assert type_it["text"] == text(Language.NL, "menu.type_amount"), "digits only, no command"
    assert progress["text"] == expected(
        "progress.savings",
        total=ten,
        deposits=plural(Language.NL, "count.deposits", 1),
        period_total=ten,
        goal=ten,
    ) + "\n" + text(Language.NL, "period.week_starts", day="maandag")
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
            [en("menu.applied"), en("menu.interview")],
            [en("menu.job"), en("menu.training"), en("menu.undo")],
            [en("menu.progress"), en("menu.help")],
        ]
        emma.tap(en("menu.applied"))
        [how_many] = await emma.wait_for_messages(count=1)
        emma.press(how_many, button_for(how_many, "steps:applied:2"))
        await emma.wait_for_messages(count=1)
        emma.tap(en("menu.interview"))
        [how_many_interviews] = await emma.wait_for_messages(count=1)
        emma.press(how_many_interviews, button_for(how_many_interviews, "steps:interview:1"))
        await emma.wait_for_messages(count=1)
        emma.tap(en("menu.job"))
        [what] = await emma.wait_for_messages(count=1)
        emma.press(what, button_for(what, "act:job:started_part_time"))
        await emma.wait_for_messages(count=1)
        emma.tap(en("menu.progress"))
        [progress] = await emma.wait_for_messages(count=1)
    assert offers(how_many) == [
        "steps:applied:1",
        "steps:applied:2",
        "steps:applied:3",
        "type:applied",
    ]
    assert said(
        progress["text"],
        "progress.jobsearch",
        language=Language.EN,
        applications=plural(Language.EN, "count.applications", 2),
        interviews=plural(Language.EN, "count.interviews", 1),
    )
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
        joost.tap(nl("menu.applied"))
        [question] = await joost.wait_for_messages(count=1)
        joost.press(question, "type:applied")
        [type_it] = await joost.wait_for_messages(count=1)
        joost.tap(nl("menu.help"))
        [help_text] = await joost.wait_for_messages(count=1)
    assert question["text"] == nl("menu.how_many_applied")
    assert type_it["text"] == text(Language.NL, "menu.type_count"), "digits only, no command"
    assert nl("menu.applied") in help_text["text"], "the help names the button, not /applied"
    assert "/applied" not in help_text["text"]
    assert await _steps(database) == []
