"""Moments that matter: reaching the goal is celebrated; /start after /stop says what is off."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, plural, text
from bot.sandbox import TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import bot_with_first_arm, buttons, enroll, new_code, stop
from tests.texts import expected, protocol_text


def _euros(cents: int) -> str:
    return format_amount(cents, Language.NL)


async def test_reaching_the_savings_goal_is_celebrated_not_still_to_go_zero(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))  # goal €10 a week
        sanne.send("/deposit 4")
        [halfway] = await sanne.wait_for_messages(count=1)
        sanne.send("/deposit 6")
        [reached] = await sanne.wait_for_messages(count=1)
        sanne.send("/deposit 1")
        [beyond] = await sanne.wait_for_messages(count=1)
    assert halfway["text"] == protocol_text(
        "congratulation_deposit", amount=_euros(400), total=_euros(400), remaining=_euros(600)
    )
    # celebrated, with no "still to go" (the protocol's receipts say that; this is another text)
    reached_and_beyond = [
        expected(
            "goal_reached.congratulation_deposit",
            amount=_euros(amount),
            total=_euros(total),
            goal=_euros(1000),
        )
        for amount, total in [(600, 1000), (100, 1100)]
    ]
    assert [reached["text"], beyond["text"]] == reached_and_beyond


async def test_a_control_saver_reaching_the_goal_is_told_neutrally(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings"):
        sam = sandbox.add_user("Sam", language_code="en")
        await enroll(sam, await new_code(database, clock), language="en")
        sam.send("/deposit 10")
        [reached] = await sam.wait_for_messages(count=1)
    ten = format_amount(1000, Language.EN)
    assert reached["text"] == expected(
        "goal_reached.confirmation_deposit", language=Language.EN, amount=ten, total=ten, goal=ten
    )


async def test_reaching_the_application_goal_is_celebrated(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "jobsearch"):
        joost = sandbox.add_user("Joost", language_code="nl")
        await enroll(
            joost, await new_code(database, clock), track="jobsearch", commitment="commit:3"
        )
        joost.send("/applied 3")
        [reached] = await joost.wait_for_messages(count=1)
    assert reached["text"] == expected(
        "goal_reached.congratulation_action",
        action=plural(Language.NL, "count.applications", 3),
        period_count="3",
        goal="3",
    )


async def test_start_after_stop_says_messages_are_still_off_and_how_to_turn_them_on(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, await new_code(database, clock))
        await stop(sanne)
        sanne.send("/start")
        [after_stop] = await sanne.wait_for_messages(count=1)
        sanne.send("/resume")
        await sanne.wait_for_messages(count=1)
        sanne.send("/start")
        [after_resume] = await sanne.wait_for_messages(count=1)
    assert after_stop["text"] == text(Language.NL, "start.welcome_back_stopped")
    assert buttons(after_stop) == ["do:resume"]
    assert after_resume["text"] == text(Language.NL, "start.welcome_back")
