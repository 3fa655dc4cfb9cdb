"""A person's first minutes with the bot, over real HTTP through the sandbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import CommandHandler

from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.handlers.context import LotgenootApplication, LotgenootContext
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from bot.services.participants.commands import MENU_COMMANDS


async def test_dutch_user_gets_dutch_welcome(
    sandbox: TelegramSandbox, bot: LotgenootApplication
) -> None:
    sanne = sandbox.add_user("Sanne", language_code="nl")
    sanne.send("/start")
    [answer] = await sanne.wait_for_messages(count=1)
    assert answer["text"] == text(Language.NL, "start.welcome", name="Sanne")
    assert sandbox.unknown_calls == []


async def test_english_user_gets_english_welcome(
    sandbox: TelegramSandbox, bot: LotgenootApplication
) -> None:
    sam = sandbox.add_user("Sam", language_code="en")
    sam.send("/start")
    [answer] = await sam.wait_for_messages(count=1)
    assert answer["text"] == text(Language.EN, "start.welcome", name="Sam")
    assert sandbox.unknown_calls == []


async def test_help_lists_the_commands_in_the_users_language(
    sandbox: TelegramSandbox, bot: LotgenootApplication
) -> None:
    ahmed = sandbox.add_user("Ahmed", language_code="nl-BE")
    ahmed.send("/help")
    [answer] = await ahmed.wait_for_messages(count=1)
    assert answer["text"] == text(Language.NL, "start.welcome", name="Ahmed")


async def test_command_menu_is_set_per_language(
    sandbox: TelegramSandbox, bot: LotgenootApplication
) -> None:
    menus = {
        language: [c["command"] for c in cmds] for (_, language), cmds in sandbox.commands.items()
    }
    assert menus[""] == list(MENU_COMMANDS)
    assert menus["nl"] == list(MENU_COMMANDS)
    dutch = next(cmds for (_, lang), cmds in sandbox.commands.items() if lang == "nl")
    assert dutch[0]["description"] == text(Language.NL, "commands.start")


async def test_redelivered_update_is_answered_once(
    sandbox: TelegramSandbox, bot: LotgenootApplication, database: Database
) -> None:
    sanne = sandbox.add_user("Sanne", language_code="nl")
    message = sanne.send("/help")
    await sanne.wait_for_messages(count=1)
    again = Update.de_json(
        {"update_id": _update_id_of(sandbox, message), "message": message}, bot.bot
    )
    await bot.process_update(again)
    async with database.transaction() as session:
        replies = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert replies == 1
    assert len(sanne.messages) == 1


async def test_failing_handler_apologises_in_the_users_language(
    sandbox: TelegramSandbox, bot: LotgenootApplication
) -> None:
    async def broken(update: Update, context: LotgenootContext) -> None:
        raise RuntimeError("a bug")

    # ahead of the default group, whose last handler answers every command nobody took
    bot.add_handler(CommandHandler("broken", broken), group=-1)
    sanne = sandbox.add_user("Sanne", language_code="nl")
    sanne.send("/broken")
    [answer] = await sanne.wait_for_messages(count=1)
    assert answer["text"] == text(Language.NL, "error.generic")


def _update_id_of(sandbox: TelegramSandbox, message: dict[str, object]) -> int:
    for update in sandbox.updates:
        if update.get("message", {}).get("message_id") == message["message_id"]:
            return int(update["update_id"])
    pytest.fail("the sandbox has no update for that message")
