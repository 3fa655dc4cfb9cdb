"""The global error handler: log with context, tell the person in their language."""

from __future__ import annotations

import logging

from telegram import Update

from bot.handlers.context import LotgenootContext
from bot.handlers.replies import reply
from bot.outbox import OutboxKind

log = logging.getLogger(__name__)


async def on_error(update: object, context: LotgenootContext) -> None:
    """Log the failure with the update id and handler; apologise to the person once."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "handler failed update_id=%s error=%s",
        update_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, context, "error.generic", kind=OutboxKind.ERROR)
        except Exception:
            log.exception("could not tell the person about the error update_id=%s", update_id)
