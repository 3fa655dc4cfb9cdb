"""Runs before every handler: an update Telegram delivers twice is handled once."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers.context import LotgenootContext
from bot.services.reachability import person_wrote
from bot.services.updates import claim_update


async def skip_redelivered(update: Update, context: LotgenootContext) -> None:
    """Stop handling an update whose id was seen before; a person who writes is reachable."""
    runtime = context.runtime
    chat = update.effective_chat
    async with runtime.database.transaction() as session:
        first_time = await claim_update(session, update.update_id, runtime.clock.now())
        if first_time and chat is not None and chat.type == "private" and update.message:
            await person_wrote(session, chat.id)
    if not first_time:
        raise ApplicationHandlerStop


def handler() -> TypeHandler[Update, LotgenootContext, None]:
    return TypeHandler(Update, skip_redelivered)
