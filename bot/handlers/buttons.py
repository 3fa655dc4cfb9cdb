"""Inline-button presses and free text in private chats, handed to the conversation service."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.participants import conversation


async def on_button(update: Update, context: LotgenootContext) -> None:
    """Acknowledge the press at once (Telegram shows a spinner until then), then act."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await run_turn(update, context, conversation.press, query.data)


async def on_text(update: Update, context: LotgenootContext) -> None:
    """Typed text answers the question of the current intake step, if it expects typing."""
    assert update.effective_message is not None
    await run_turn(update, context, conversation.typed, update.effective_message.text or "")


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    return [CallbackQueryHandler(on_button), MessageHandler(private_text, on_text)]
