"""Runs before every handler: an update Telegram delivers twice is handled once.

Nothing is written here: the update's first transaction (`LotgenootContext.transaction`)
records its id, and a re-delivery stops there.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.handlers.context import LotgenootContext, UpdateClaim


async def note_update(update: Update, context: LotgenootContext) -> None:
    """Remember that this update's id is still to be claimed, and who wrote, if anyone."""
    chat = update.effective_chat
    wrote = chat is not None and chat.type == "private" and update.message is not None
    context.claim = UpdateClaim(update.update_id, chat.id if wrote and chat else None)


def handler() -> TypeHandler[Update, LotgenootContext, None]:
    return TypeHandler(Update, note_update)
