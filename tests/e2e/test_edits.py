"""An edit is not a new message: changing a sent command never records anything again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, Participant
from bot.i18n import Language, plural, text
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.participants.money import format_amount
from experiments.records import EventKind
from tests.e2e.journey import bot_with_first_arm, enroll, new_code
from tests.texts import expected

EDIT_ANSWER = text(Language.NL, "fallback.edit_not_counted")


async def _recorded(
    database: Database,
) -> tuple[list[tuple[EventKind, int | None, int | None]], int]:
    """Every event (kind, cents, quantity) and the participant's goal."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Event.kind, Event.amount_cents, Event.quantity).order_by(Event.id)
        )
        events = [(kind, cents, quantity) for kind, cents, quantity in rows]
        participant = await session.scalar(select(Participant))
        assert participant is not None
        goal = (participant.commitment_cents or 0) + (participant.commitment_applications or 0)
    return events, goal


async def _edit_changes_nothing(
    person: SandboxUser, database: Database, sent_text: str, edited_text: str
) -> None:
    sent = person.send(sent_text)
    await person.wait_for_messages(count=1)
    before = await _recorded(database)
    person.edit(sent, edited_text)
    [answer] = await person.wait_for_messages(count=1)
    assert EDIT_ANSWER in answer["text"]
    assert await _recorded(database) == before


@pytest.mark.parametrize(
    ("sent_text", "edited_text"),
    [("/deposit 10", "/deposit 100"), ("/goal 10", "/goal 100"), ("/undo", "/undo alles")],
)
async def test_an_edited_saving_command_records_nothing_and_is_answered(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, sent_text: str, edited_text: str
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sanne.send("/deposit 5")
        await sanne.wait_for_messages(count=1)
        await _edit_changes_nothing(sanne, database, sent_text, edited_text)


@pytest.mark.parametrize(
    ("sent_text", "edited_text"),
    [
        ("/applied", "/applied 3"),
        ("/interview", "/interview 2"),
        ("/job", "/job 2"),
        ("/training", "/training school"),
    ],
)
async def test_an_edited_job_search_command_records_nothing_and_is_answered(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, sent_text: str, edited_text: str
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        await _edit_changes_nothing(joost, database, sent_text, edited_text)


async def test_editing_deposit_10_into_100_keeps_the_total_at_10(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        sent = sanne.send("/deposit 10")
        await sanne.wait_for_messages(count=1)
        sanne.edit(sent, "/deposit 100")
        await sanne.wait_for_messages(count=1)
        sanne.send("/progress")
        [progress] = await sanne.wait_for_messages(count=1)
    events, _goal = await _recorded(database)
    assert [(kind, cents) for kind, cents, _ in events] == [("deposit", 1000)]
    ten = format_amount(1000, Language.NL)
    assert progress["text"] == expected(
        "progress.savings",
        deposits=plural(Language.NL, "count.deposits", 1),
        total=ten,
        period_total=ten,
        goal=ten,
    ) + "\n" + text(Language.NL, "period.week_starts", day="maandag")
    assert format_amount(11000, Language.NL) not in progress["text"]
