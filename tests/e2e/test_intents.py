"""Everyday words after the intake: a wish to log is recorded only after one confirming tap."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, Participant, ParticipantStatus
from bot.i18n import Language, plural, text
from bot.sandbox import TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import bot_with_first_arm, button_for, enroll, new_code, offers
from tests.texts import expected, protocol_text


async def _steps(database: Database) -> list[tuple[str, int | None, int | None]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(Event.kind, Event.amount_cents, Event.quantity).order_by(Event.id)
        )
        return [(kind, cents, quantity) for kind, cents, quantity in rows]


async def test_ik_heb_2_keer_gesolliciteerd_is_recorded_after_one_tap(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.send("ik heb 2 keer gesolliciteerd")
        [question] = await joost.wait_for_messages(count=1)
        recorded_before_the_tap = await _steps(database)
        joost.press(question, button_for(question, "steps:applied:2"))
        [receipt] = await joost.wait_for_messages(count=1)
    two_applications = plural(Language.NL, "count.applications", 2)
    assert question["text"] == expected("intents.confirm_steps", what=two_applications)
    assert offers(question) == ["steps:applied:2", "dismiss"]
    assert recorded_before_the_tap == []
    assert receipt["text"] == protocol_text(
        "confirmation_action", action=two_applications, period_count=2, goal=3
    )
    assert await _steps(database) == [("applied", None, 2)]


async def test_saved_10_asks_first_and_no_records_nothing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        emma = sandbox.add_user("Emma", language_code="nl")
        await enroll(emma, await new_code(database, clock), language="en")
        emma.send("I saved 10 euros")
        [question] = await emma.wait_for_messages(count=1)
        emma.press(question, "dismiss")
        [nothing] = await emma.wait_for_messages(count=1)
        emma.send("how am I doing")
        [progress] = await emma.wait_for_messages(count=1)
    zero, ten = format_amount(0, Language.EN), format_amount(1000, Language.EN)
    assert question["text"] == expected("intents.confirm_saved", language=Language.EN, what=ten)
    assert nothing["text"] == text(Language.EN, "intents.nothing")
    assert progress["text"] == expected(
        "progress.savings",
        language=Language.EN,
        total=zero,
        deposits=plural(Language.EN, "count.deposits", 0),
        period_total=zero,
        goal=ten,
    ) + "\n" + text(Language.EN, "period.week_starts", day="Monday")
    assert await _steps(database) == []


async def test_stop_in_words_stops_only_after_a_yes(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("ik wil stoppen")
        [question] = await sanne.wait_for_messages(count=1)
        async with database.transaction() as session:
            before = await session.scalar(select(Participant.status))
        sanne.press(question, "stop:yes")
        [done] = await sanne.wait_for_messages(count=1)
        async with database.transaction() as session:
            after = await session.scalar(select(Participant.status))
    assert before is ParticipantStatus.ACTIVE
    assert after is ParticipantStatus.WITHDRAWN
    assert done["text"] == text(Language.NL, "stop.done")
