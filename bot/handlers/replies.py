"""Rendering an answer to an update and handing it to the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.db.delivery import ChatType
from bot.handlers.context import LotgenootContext
from bot.i18n import Language, language_from_code, text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.services.participants.languages import chosen_language


def language_of(update: Update) -> Language:
    """Telegram's language of the person behind `update` (staff, groups); in private chats
    `reply` prefers the language a participant chose."""
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
    kind: OutboxKind = OutboxKind.REPLY,
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
    runtime = context.runtime
    async with runtime.database.transaction() as session:
        message = OutgoingMessage(
            chat_id=chat.id,
            chat_type=chat_type_of(update),
            text=text(await _chosen_language(session, update), key, **params),
            kind=kind,
            intent_key=f"{kind}:{update.update_id}:{part}",
            buttons=buttons,
        )
        await enqueue(session, message, runtime.clock.now())
    runtime.wake_sender()


async def _chosen_language(session: AsyncSession, update: Update) -> Language:
    """In a private chat the language the person chose as a participant; in groups Telegram's."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return language_of(update)
    return await chosen_language(session, user.id, user.language_code)
