"""Counts are honoured: /applied 2 records two, within the protocol's maximum, never silently."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event
from bot.i18n import Language, plural
from bot.sandbox import TelegramSandbox
from tests.e2e.journey import bot_with_first_arm, enroll, new_code
from tests.texts import expected, protocol_text, said


async def _steps(database: Database) -> list[tuple[str, int | None]]:
    async with database.transaction() as session:
        rows = await session.execute(select(Event.kind, Event.quantity).order_by(Event.id))
        return [(kind, quantity) for kind, quantity in rows]


async def test_applied_2_records_two_applications_and_says_so(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.send("/applied 2")
        [receipt] = await joost.wait_for_messages(count=1)
        joost.send("/interview 3")
        await joost.wait_for_messages(count=1)
        joost.send("/progress")
        [progress] = await joost.wait_for_messages(count=1)
    assert await _steps(database) == [("applied", 2), ("interview", 3)]
    two_applications = plural(Language.NL, "count.applications", 2)
    assert receipt["text"] == protocol_text(  # the protocol's receipt template
        "confirmation_action", action=two_applications, period_count=2, goal=3
    )
    three_interviews = plural(Language.NL, "count.interviews", 3)
    assert said(
        progress["text"],
        "progress.jobsearch",
        applications=two_applications,
        interviews=three_interviews,
    )


@pytest.mark.parametrize(
    ("typed", "explanation"),
    [
        ("/applied 21", expected("count.too_many", maximum=20, command="/applied")),
        (
            "/applied 99999999999999999999999",
            expected("count.too_many", maximum=20, command="/applied"),
        ),
        ("/applied twee", expected("count.not_a_number", command="/applied")),
        ("/applied 2,5", expected("count.not_a_number", command="/applied")),
        ("/interview 0", expected("count.not_positive", command="/interview")),
    ],
)
async def test_a_count_above_the_maximum_or_not_a_number_is_refused_and_records_nothing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, typed: str, explanation: str
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.send(typed)
        [answer] = await joost.wait_for_messages(count=1)
    assert explanation in answer["text"]
    assert await _steps(database) == []
