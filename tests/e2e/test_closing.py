"""Answered buttons close (issue 14 point 4): the question shows the choice, its buttons go."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.handlers.context import LotgenootApplication
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.e2e.journey import buttons, new_code


async def test_an_answered_question_shows_the_choice_and_loses_its_buttons(
    sandbox: TelegramSandbox, bot: LotgenootApplication, database: Database, clock: FakeClock
) -> None:
    joost = sandbox.add_user("Joost", language_code="nl")
    joost.send(f"/start {await new_code(database, clock)}")
    [consent] = await joost.wait_for_messages(count=1)
    yes_label = text(Language.NL, "consent.yes")
    joost.press(consent, buttons(consent)[0])
    *_, ask_language = await joost.wait_for_messages(count=2)
    joost.press(ask_language, "lang:nl")
    await joost.wait_for_messages(count=1)

    def now(message: dict[str, Any]) -> dict[str, Any]:
        [current] = [m for m in joost.messages if m["message_id"] == message["message_id"]]
        return current

    await sandbox.wait_for(lambda: "reply_markup" not in now(ask_language), 5, "closed")
    closed_consent, closed_language = now(consent), now(ask_language)
    assert "reply_markup" not in closed_consent
    assert closed_consent["text"] == text(
        Language.NL, "button.chosen", question=consent["text"], choice=yes_label
    )
    assert closed_language["text"] == text(
        Language.NL, "button.chosen", question=ask_language["text"], choice="Nederlands"
    )
    assert "edit_date" in closed_language
