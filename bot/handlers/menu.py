"""The participant's menu of big buttons: taps on it, and the inline choices it offers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.keyboard import all_labels
from bot.services.participants import menu

TAPPED = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.Text(all_labels())


async def on_tap(update: Update, context: LotgenootContext) -> None:
    """A menu button: its label arrives as the message text."""
    assert update.effective_message is not None
    await run_turn(update, context, menu.tap, update.effective_message.text or "")


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    """Registered before the general text handler, which would take these too."""
    return [
        MessageHandler(TAPPED, on_tap),
    ]
