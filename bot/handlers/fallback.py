"""The last word in private chats: every message no other handler took gets an answer.

Edits come first (group EDITS, before every other handler), so no logging command or intake
step ever sees a changed message; everything else is registered last in the default group, so
it only gets what no other handler matched.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.participants import fallback

EDITS = -1
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = PRIVATE & filters.UpdateType.MESSAGE


async def on_edit(update: Update, context: LotgenootContext) -> None:
    """A changed message: say it is not counted, and let no other handler act on it."""
    await run_turn(update, context, fallback.edited)
    raise ApplicationHandlerStop


async def on_unknown_command(update: Update, context: LotgenootContext) -> None:
    """A command no handler knows: "did you mean …?"."""
    assert update.effective_message is not None
    await run_turn(update, context, fallback.unknown_command, update.effective_message.text or "")


async def on_anything_else(update: Update, context: LotgenootContext) -> None:
    """Voice, photo, sticker … get "I can only read text"; stray text gets a pointer to /help."""
    message = update.effective_message
    service = fallback.other_text if message is not None and message.text else fallback.not_text
    await run_turn(update, context, service)


def edit_handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edit)]


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [
        MessageHandler(NEW_MESSAGE & filters.COMMAND, on_unknown_command),
        MessageHandler(NEW_MESSAGE & ~filters.StatusUpdate.ALL, on_anything_else),
    ]
