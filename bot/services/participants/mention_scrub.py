"""What others' messages, reports and logs say about a person who used /delete, scrubbed.

After /delete nothing may name or point at the person: not a report's text about them, not a
group post that cheers them by name, not a mention (which carries the Telegram user id, as
`tg://user?id=` or a text_mention entity) in a message sent or queued, not a moderation reason,
not their flood-control window. The first name is the one Telegram sends with the /delete
itself: Lotgenoot never stores names, so the words that may still hold one are searched for it.

Queued messages that name them are cancelled (a cheer for someone who left should not go out);
sent ones keep their row (delivery counts) with the naming parts replaced by "…", and the bot
edits its own sent group messages the same way (editMessageText through the outbox), so the
group chat no longer shows the name either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus
from bot.db.groups import FloodWindow, GroupMember, GroupReport, ModerationAction
from bot.outbox import OutboxKind, OutgoingMessage, enqueue

REDACTED = "…"
_TEXT_FIELDS = ("text", "caption")
_ENTITY_FIELDS = ("entities", "caption_entities")


class Needles:
    """What identifies one person in free text: their Telegram id (also inside mention links)
    and their first name as a whole word, in any case."""

    def __init__(self, telegram_id: int, first_name: str | None) -> None:
        self.telegram_id = telegram_id
        name = (first_name or "").strip()
        # A one-letter "name" would match everywhere; such a name identifies no one anyway.
        self.first_name = name if len(name) >= 2 else None
        patterns = [
            rf"tg://user\?id={telegram_id}\b",
            rf"(?<!\d){telegram_id}(?!\d)",
        ]
        if self.first_name:
            patterns.append(rf"(?<!\w){re.escape(self.first_name)}(?!\w)")
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE)

    def found_in(self, words: str | None) -> bool:
        return bool(words) and self._pattern.search(words or "") is not None

    def scrub(self, words: str) -> str:
        return self._pattern.sub(REDACTED, words)

    def prefilter(self, column: QueryableAttribute[Any]) -> ColumnElement[bool]:
        """A SQL condition that holds for every row whose `column` (as text) may name them."""
        as_text = func.lower(cast(column, Text))
        forms = {str(self.telegram_id)}
        if self.first_name:
            lowered = self.first_name.lower()
            forms |= {lowered, json.dumps(lowered)[1:-1]}  # stored JSON escapes non-ASCII
        return or_(*(as_text.contains(form, autoescape=True) for form in sorted(forms)))

    def mentions(self, entity: object) -> bool:
        if not isinstance(entity, dict):
            return False
        user = entity.get("user")
        if isinstance(user, dict) and user.get("id") == self.telegram_id:
            return True
        return self.found_in(str(entity.get("url") or ""))

    def names_in_payload(self, payload: dict[str, Any]) -> bool:
        if any(self.found_in(str(payload.get(field) or "")) for field in _TEXT_FIELDS):
            return True
        return any(
            self.mentions(entity) for field in _ENTITY_FIELDS for entity in payload.get(field) or []
        )

    def scrub_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with the person taken out: names and ids redacted, mentions dropped."""
        cleaned = dict(payload)
        for field in _TEXT_FIELDS:
            if isinstance(cleaned.get(field), str):
                cleaned[field] = self.scrub(cleaned[field])
        for field in _ENTITY_FIELDS:
            if field in cleaned:
                # offsets no longer fit the redacted text; the message was sent already
                cleaned[field] = [e for e in cleaned[field] or [] if not self.mentions(e)]
        return cleaned


async def forget_mentions(
    session: AsyncSession, participant_id: int, needles: Needles, reason: str, now: datetime
) -> None:
    """Take the person out of reports, others' messages, moderation reasons and flood windows;
    the bot's own group messages that named them are edited in the chat too."""
    members = select(GroupMember.id).where(GroupMember.participant_id == participant_id)
    # A report about them: its text is their message, however it is worded.
    await session.execute(
        update(GroupReport)
        .where(GroupReport.reported_member_id.in_(members), GroupReport.text.is_not(None))
        .values(text=None)
    )
    for report in await session.scalars(
        select(GroupReport).where(
            GroupReport.text.is_not(None), needles.prefilter(GroupReport.text)
        )
    ):
        if report.text is not None and needles.found_in(report.text):
            report.text = needles.scrub(report.text)
    for action in await session.scalars(
        select(ModerationAction).where(
            ModerationAction.reason.is_not(None), needles.prefilter(ModerationAction.reason)
        )
    ):
        if action.reason is not None and needles.found_in(action.reason):
            action.reason = needles.scrub(action.reason)
    await session.execute(
        delete(FloodWindow).where(FloodWindow.telegram_user_id == needles.telegram_id)
    )
    await _forget_in_outbox(session, needles, reason, now)


async def _forget_in_outbox(
    session: AsyncSession, needles: Needles, reason: str, now: datetime
) -> None:
    """Messages not addressed to them (their own were emptied already) that name them.

    A group message the bot sent is edited in the chat as well (a bot may edit its own
    messages at any age): its Telegram message id is read here, before the row is scrubbed.
    """
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.status,
            OutboxMessage.payload,
            OutboxMessage.chat_id,
            OutboxMessage.chat_type,
            OutboxMessage.method,
            OutboxMessage.telegram_message_id,
        ).where(OutboxMessage.participant_id.is_(None), needles.prefilter(OutboxMessage.payload))
    )
    for row_id, status, payload, chat_id, chat_type, method, message_id in rows:
        if not isinstance(payload, dict) or not needles.names_in_payload(payload):
            continue
        if status is OutboxStatus.PENDING:
            cancelled = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(payload={}, status=OutboxStatus.CANCELLED, last_error=reason)
            )
            if cancelled.rowcount:  # type: ignore[attr-defined]
                continue  # else the sender took it meanwhile: scrub it like a sent one
        scrubbed = needles.scrub_payload(payload)
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(payload=scrubbed)
        )
        shown = chat_type is ChatType.GROUP and method in _EDITABLE and chat_id is not None
        if shown and message_id is not None and isinstance(scrubbed.get("text"), str):
            await _edit_in_chat(session, row_id, chat_id, message_id, scrubbed["text"], now)


async def forget_in_messages_to(
    session: AsyncSession, recipients: Collection[int], needles: Needles, reason: str
) -> None:
    """Private messages to `recipients` (participant ids: their buddies) that name the person:
    cancelled while waiting, their stored text scrubbed once sent."""
    if not recipients:
        return
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload).where(
            OutboxMessage.participant_id.in_(sorted(recipients)),
            needles.prefilter(OutboxMessage.payload),
        )
    )
    for row_id, status, payload in rows:
        if not isinstance(payload, dict) or not needles.names_in_payload(payload):
            continue
        values: dict[str, Any] = {"payload": needles.scrub_payload(payload)}
        if status is OutboxStatus.PENDING:
            values = {"payload": {}, "status": OutboxStatus.CANCELLED, "last_error": reason}
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
        )


_EDITABLE = frozenset({"sendMessage", "editMessageText"})
ERASURE_EDIT_KIND = OutboxKind.ERASURE_EDIT


async def _edit_in_chat(
    session: AsyncSession, row_id: int, chat_id: int, message_id: int, words: str, now: datetime
) -> None:
    """Replace the text of the bot's message in the group with `words` (the name taken out).

    Without entities: the remaining ones' offsets no longer fit the shortened text."""
    edit = OutgoingMessage(
        chat_id=chat_id,
        chat_type=ChatType.GROUP,
        text=words,
        kind=ERASURE_EDIT_KIND,
        intent_key=f"erasure_edit:{row_id}",
        edit_message_id=message_id,
    )
    await enqueue(session, edit, now)
