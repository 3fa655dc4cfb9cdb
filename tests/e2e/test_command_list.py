"""The chosen language wins in the command list too (issue 14 point 5): once a person picks a
language, their chat gets the command list in it (BotCommandScopeChat), whatever language
their Telegram app uses."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.handlers.context import LotgenootApplication
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.e2e.journey import buttons, new_code


async def _choose(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock, app: str, chosen: str
) -> list[dict[str, Any]]:
    person = sandbox.add_user("Fenna", language_code=app)
    person.send(f"/start {await new_code(database, clock)}")
    [consent] = await person.wait_for_messages(count=1)
    person.press(consent, buttons(consent)[0])
    *_, ask_language = await person.wait_for_messages(count=2)
    person.press(ask_language, f"lang:{chosen}")
    await person.wait_for_messages(count=1)
    key = (f"chat:{person.chat_id}", "")
    await sandbox.wait_for(lambda: key in sandbox.commands, 5, "the chat's command list")
    return sandbox.commands[key]


async def test_choosing_dutch_in_an_english_app_gives_the_chat_dutch_commands(
    sandbox: TelegramSandbox, bot: LotgenootApplication, database: Database, clock: FakeClock
) -> None:
    commands = await _choose(sandbox, database, clock, app="en", chosen="nl")
    described = {c["command"]: c["description"] for c in commands}
    assert described["help"] == text(Language.NL, "commands.help")
    assert described["progress"] == text(Language.NL, "commands.progress")
    assert described["help"] != text(Language.EN, "commands.help")


async def test_choosing_english_in_a_dutch_app_gives_the_chat_english_commands(
    sandbox: TelegramSandbox, bot: LotgenootApplication, database: Database, clock: FakeClock
) -> None:
    commands = await _choose(sandbox, database, clock, app="nl", chosen="en")
    described = {c["command"]: c["description"] for c in commands}
    # before a track is chosen the list holds only what everyone may do (no /deposit yet)
    assert "deposit" not in described
    assert described["progress"] == text(Language.EN, "commands.progress")
    assert all(described[c] == text(Language.EN, f"commands.{c}") for c in described)
