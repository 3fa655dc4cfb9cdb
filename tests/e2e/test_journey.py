"""A participant's weeks with the bot, over HTTP through the sandbox, the clock moved by periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Participant, SurveyAnswer
from bot.i18n import Language, text
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import bot_with_first_arm, enroll, new_code, scan_and_deliver
from tests.texts import (
    expected,
    intake_done,
    is_reminder,
    protocol_said,
    protocol_text,
    reminder_text,
)

WEEK = timedelta(days=7)


def _texts(person: SandboxUser) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in person.messages]


async def test_intake_allocates_after_baseline_and_explains_the_arm(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        [done] = await enroll(sanne, await new_code(database, clock))
    assert done["text"] == intake_done("text")
    async with database.transaction() as session:
        participant = await session.scalar(select(Participant))
        answers = await session.scalar(select(func.count()).select_from(SurveyAnswer))
    assert participant is not None
    assert participant.arm == "text"
    assert participant.age_band == "26-35"
    assert participant.commitment_cents == 1000
    assert answers == 10 + 6 + 9  # GSE, the financial scale (six items at 26) and the context
    assert sandbox.unknown_calls == []


async def test_text_arm_saver_is_congratulated_on_every_deposit(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        answers = []
        for typed in ("/deposit 12,50", "/deposit €5"):
            sanne.send(typed)
            answers += await sanne.wait_for_messages(count=1)
    assert [answer["text"] for answer in answers] == [
        expected(
            "goal_reached.congratulation_deposit",
            amount=_euros(amount),
            total=_euros(total),
            goal=_euros(1000),
        )
        for amount, total in [(1250, 1250), (500, 1750)]
    ]


async def test_control_saver_gets_only_neutral_confirmations(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings") as (_, runtime):
        sam = sandbox.add_user("Sam", language_code="nl")
        await enroll(sam, await new_code(database, clock))
        sam.send("/deposit 10")
        [answer] = await sam.wait_for_messages(count=1)
        before = len(sam.messages)
        clock.advance(WEEK * 3)  # three empty weeks, two encouragement dates
        await scan_and_deliver(runtime)
    assert answer["text"] == expected(
        "goal_reached.confirmation_deposit",
        amount=_euros(1000),
        total=_euros(1000),
        goal=_euros(1000),
    )
    assert len(sam.messages) == before, "control gets no reminders or encouragements"


async def test_missed_period_gets_exactly_one_reminder(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        clock.advance(WEEK + timedelta(hours=1))
        await scan_and_deliver(runtime)
        await scan_and_deliver(runtime)  # a second scan of the same period adds nothing
    reminders = [t for t in _texts(sanne) if _reminded(t)]
    assert reminders == [protocol_text("reminder_savings", goal=_euros(1000))]


async def test_saver_who_deposits_gets_no_reminder(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        clock.advance(timedelta(days=3))
        sanne.send("/deposit 10")
        await sanne.wait_for_messages(count=1)
        clock.advance(timedelta(days=4, hours=1))
        await scan_and_deliver(runtime)
    assert not [t for t in _texts(sanne) if _reminded(t)]


async def test_three_missed_periods_during_downtime_give_one_reminder(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        clock.advance(WEEK * 3 + timedelta(hours=1))
        await scan_and_deliver(runtime)
    reminders = [t for t in _texts(sanne) if _reminded(t)]
    # the reminder is the third week's, in the third wording (missed weeks take them in turn)
    assert reminders == [reminder_text("savings", 2, goal=_euros(1000))], _texts(sanne)[-3:]


async def test_encouragement_with_own_progress_after_two_weeks(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/deposit 10")
        await sanne.wait_for_messages(count=1)
        clock.advance(WEEK)
        await scan_and_deliver(runtime)
        assert not [t for t in _texts(sanne) if _encouraged(t)]
        sanne.send("/deposit 5")  # a second week with savings: no reminder before the update
        await sanne.wait_for_messages(count=1)
        clock.advance(WEEK + timedelta(hours=1))
        await scan_and_deliver(runtime)
    [encouragement] = [t for t in _texts(sanne) if _encouraged(t)]
    assert encouragement == protocol_text("encouragement_savings", deposits=2, total=_euros(1500))


async def test_jobseeker_below_commitment_gets_one_reminder(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "jobsearch") as (_, runtime):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.send("/applied")
        [recorded] = await joost.wait_for_messages(count=1)
        application = text(Language.NL, "action.applied.name")
        assert recorded["text"] == protocol_text(
            "congratulation_action", action=application, period_count=1, goal=3
        )  # counts this one
        clock.advance(WEEK + timedelta(hours=1))
        await scan_and_deliver(runtime)
        await scan_and_deliver(runtime)
    reminders = [t for t in _texts(joost) if protocol_said(t, "reminder_jobsearch", within=True)]
    assert reminders == [protocol_text("reminder_jobsearch", period_count=1, goal=3)]


async def test_reminder_due_at_23_arrives_at_9_next_morning(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 5, 22, 0, tzinfo=UTC))  # Monday 23:00 in Amsterdam
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        clock.advance(WEEK + timedelta(minutes=1))  # the period ended at 23:00 local
        await scan_and_deliver(runtime)
        assert not [t for t in _texts(sanne) if _reminded(t)], "quiet hours"
        clock.set(datetime(2026, 1, 13, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Amsterdam
        await scan_and_deliver(runtime)
    assert [t for t in _texts(sanne) if _reminded(t)] == [
        protocol_text("reminder_savings", goal=_euros(1000))
    ]


def _euros(cents: int) -> str:
    return format_amount(cents, Language.NL)


def _reminded(message: str) -> bool:
    """Whether a message holds a savings reminder, whatever its wording and its goal."""
    return is_reminder(message, "savings")


def _encouraged(message: str) -> bool:
    return protocol_said(message, "encouragement_savings", within=True)
