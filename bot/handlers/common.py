"""Commands everyone may use: /start and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.handlers.context import LotgenootContext
from bot.handlers.replies import reply


async def help_command(update: Update, context: LotgenootContext) -> None:
    """List what the bot can do."""
    await reply(update, context, "help.text")


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [CommandHandler("help", help_command)]
