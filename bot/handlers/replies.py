"""Rendering an answer to an update and handing it to the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.db.models import ChatType
from bot.handlers.context import LotgenootContext
from bot.i18n import Language, language_from_code, text
from bot.outbox import Button, OutgoingMessage


def language_of(update: Update) -> Language:
    """The language to answer in: from the person's Telegram settings for now."""
    user = update.effective_user
    return language_from_code(user.language_code if user else None)


def chat_type_of(update: Update) -> ChatType:
    chat = update.effective_chat
    return ChatType.PRIVATE if chat is None or chat.type == "private" else ChatType.GROUP


async def reply(
    update: Update,
    context: LotgenootContext,
    key: str,
    *,
    kind: str = "reply",
    buttons: Sequence[Sequence[Button]] = (),
    part: int = 0,
    **params: object,
) -> None:
    """Answer in the update's chat with catalogue text `key`, through the outbox.

    The intent key is the update id (and `part` for a second message), so a re-delivered
    update cannot make the bot answer twice.
    """
    chat = update.effective_chat
    if chat is None:
        return
    await context.runtime.send(
        OutgoingMessage(
            chat_id=chat.id,
            chat_type=chat_type_of(update),
            text=text(language_of(update), key, **params),
            kind=kind,
            intent_key=f"{kind}:{update.update_id}:{part}",
            buttons=buttons,
        )
    )
