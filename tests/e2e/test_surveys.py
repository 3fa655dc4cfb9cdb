"""Follow-up questionnaires: invited at the protocol's time, answered by buttons, reminded once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import SurveyAnswer
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.e2e.journey import bot_with_first_arm, buttons, enroll, new_code, scan_and_deliver

FIRST_FOLLOW_UP = timedelta(days=42)


async def test_follow_up_is_answered_by_buttons_in_every_arm(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings") as (_, runtime):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        clock.advance(FIRST_FOLLOW_UP + timedelta(hours=1))
        await scan_and_deliver(runtime)
        # read up to the invitation: a second press of its button would count as a stale one
        invitation = (await sanne.wait_for_messages(count=1))[-1]
        assert buttons(invitation) == ["survey:go"]
        sanne.press(invitation, "survey:go")
        while True:
            [message] = await sanne.wait_for_messages(count=1)
            options = [data for data in buttons(message) if data.startswith("q:")]
            if not options:
                break
            sanne.press(message, options[-1])
    assert message["text"] == text(Language.NL, "survey.thanks")
    async with database.transaction() as session:
        answered = await session.scalar(
            select(func.count()).where(SurveyAnswer.wave == "followup-1")
        )
    assert answered == 16


async def test_unfinished_follow_up_gets_exactly_one_reminder(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings") as (_, runtime):
        sam = sandbox.add_user("Sam", language_code="en")
        await enroll(sam, await new_code(database, clock))
        clock.advance(FIRST_FOLLOW_UP + timedelta(hours=1))
        await scan_and_deliver(runtime)
        for _ in range(3):
            clock.advance(timedelta(days=3))
            await scan_and_deliver(runtime)
    with_button = [m for m in sam.messages if buttons(m) == ["survey:go"]]
    assert len(with_button) == 2, "one invitation and one reminder"


async def test_survey_command_without_an_open_questionnaire(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sam = sandbox.add_user("Sam", language_code="en")
        await enroll(sam, await new_code(database, clock))
        sam.send("/survey")
        [answer] = await sam.wait_for_messages(count=1)
    assert answer["text"] == text(Language.NL, "survey.none")
