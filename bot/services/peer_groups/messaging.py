"""How the peer-group modules talk: private messages and alerts to staff, posts in a group's
chat (all queued in the outbox), and the text_mention entities that name members in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType
from bot.db.groups import PeerGroup
from bot.i18n import text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.services.peer_groups.lookups import Recipient, staff_recipient


async def tell(
    session: AsyncSession,
    recipient: Recipient,
    key: str,
    /,
    *,
    kind: OutboxKind,
    intent: str,
    now: datetime,
    buttons: Sequence[Sequence[Button]] = (),
    **params: object,
) -> None:
    """Queue a private message to a staff member (catalogue text in their language)."""
    message = staff_message(recipient, key, kind=kind, intent=intent, buttons=buttons, **params)
    await enqueue(session, message, now)


def staff_message(
    recipient: Recipient,
    key: str,
    /,
    *,
    kind: OutboxKind,
    intent: str,
    buttons: Sequence[Sequence[Button]] = (),
    **params: object,
) -> OutgoingMessage:
    """A private message to a staff member, to queue now or once a call succeeded."""
    return OutgoingMessage(
        chat_id=recipient.chat_id,
        text=text(recipient.language, key, **params),
        kind=kind,
        intent_key=f"{intent}:{recipient.chat_id}",
        buttons=buttons,
    )


async def alert(
    session: AsyncSession,
    chat_ids: Iterable[int],
    key: str,
    /,
    *,
    intent: str,
    now: datetime,
    **params: object,
) -> None:
    """The same admin alert to each of `chat_ids`, each in their own language."""
    for chat_id in chat_ids:
        recipient = await staff_recipient(session, chat_id)
        await tell(
            session,
            recipient,
            key,
            kind=OutboxKind.ADMIN_ALERT,
            intent=intent,
            now=now,
            buttons=(),
            **params,
        )


async def post(
    session: AsyncSession,
    group: PeerGroup,
    words: str,
    *,
    kind: OutboxKind,
    intent: str,
    now: datetime,
    not_before: datetime | None = None,
    reply_to: int | None = None,
    entities: Sequence[Mapping[str, Any]] = (),
    context: Mapping[str, Any] | None = None,
) -> bool:
    """Queue a message in the group's chat; the sender paces it within 20 per minute.
    `context` goes to the follow-up of its kind (bot.services.peer_groups.outcomes)."""
    assert group.telegram_chat_id is not None
    message = OutgoingMessage(
        chat_id=group.telegram_chat_id,
        chat_type=ChatType.GROUP,
        text=words,
        kind=kind,
        intent_key=intent,
        not_before=not_before,
        reply_to_message_id=reply_to,
        entities=entities,
        context=context or {},
    )
    return await enqueue(session, message, now)


def utf16_length(words: str) -> int:
    """A text's length as Telegram counts entity offsets: in UTF-16 code units."""
    return len(words.encode("utf-16-le")) // 2


def mention(words: str, first_name: str, telegram_user_id: int) -> list[dict[str, Any]]:
    """A text_mention entity on the first occurrence of `first_name` in `words` (a Telegram
    mention that works without a username). It carries the Telegram id into the outbox row;
    erasure drops such entities (bot.services.participants.mention_scrub)."""
    at = words.find(first_name)
    if at < 0 or not first_name:
        return []
    return [text_mention(words, at, first_name, telegram_user_id)]


def welcome_mentions(words: str, people: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """A text_mention for each newcomer's name, in order of appearance."""
    entities: list[dict[str, Any]] = []
    start = 0
    for telegram_user_id, name in people:
        at = words.find(name, start)
        if at < 0:
            continue
        entities.append(text_mention(words, at, name, telegram_user_id))
        start = at + len(name)
    return entities


def text_mention(words: str, at: int, first_name: str, telegram_user_id: int) -> dict[str, Any]:
    """The text_mention entity for `first_name` standing at index `at` of `words`."""
    return {
        "type": "text_mention",
        "offset": utf16_length(words[:at]),
        "length": utf16_length(first_name),
        "user": {"id": telegram_user_id, "is_bot": False, "first_name": first_name},
    }
