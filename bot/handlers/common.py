"""Commands everyone may use: /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.handlers.replies import reply
from bot.services.participants import guide

NEW_MESSAGE = filters.UpdateType.MESSAGE  # an edit is not a new message


async def help_command(update: Update, context: LotgenootContext) -> None:
    """List what the bot can do: in private per role and in the person's chosen language."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        await reply(update, context, "help.group")
        return
    await run_turn(update, context, guide.show_help)


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [CommandHandler("help", help_command, filters=NEW_MESSAGE)]
