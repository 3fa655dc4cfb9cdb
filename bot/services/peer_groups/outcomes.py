"""What the bot tells staff once Telegram answered a group call or post it queued for them.

The bot never claims what did not happen: a moderation announcement in the group, the member's
note and the counsellor's "posted" go out only after Telegram carried out the call or the post
(the outbox's follow-up for that row, with its outcome). When Telegram refused, the counsellor
who asked is told in plain words why (no admin right, or the bot is no longer in the group).

What the follow-up needs travels in the row's context (`bot.outbox.messages.CONTEXT_KEY`): the
messages to send on success and whom to tell on failure. A call's parameters are forgotten when
it ends; a message's context is taken out of its row by the follow-up (`forget_context`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType, OutboxMessage
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue
from bot.outbox.messages import CONTEXT_KEY
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.store import ClaimedMessage

_RIGHTS = ("not enough rights", "admin_required", "administrator", "rights")
_GONE = ("kicked", "not a member", "chat not found", "upgraded", "have no rights to send")


def deferred(message: OutgoingMessage) -> dict[str, Any]:
    """A message to send once the call it follows succeeded, as JSON for the call's context."""
    return {
        "chat_id": message.chat_id,
        "chat_type": message.chat_type.value,
        "text": message.text,
        "kind": message.kind,
        "intent_key": message.intent_key,
        "participant_id": message.participant_id,
        "reply_to": message.reply_to_message_id,
        "entities": [dict(entity) for entity in message.entities],
    }


def _restored(item: Mapping[str, Any]) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=int(item["chat_id"]),
        chat_type=ChatType(item["chat_type"]),
        text=str(item["text"]),
        kind=OutboxKind(item["kind"]),
        intent_key=str(item["intent_key"]),
        participant_id=item.get("participant_id"),
        reply_to_message_id=item.get("reply_to"),
        entities=tuple(item.get("entities") or ()),
    )


def asker(
    chat_id: int, language: Language, group: int, what: str, intent: str, **params: object
) -> dict[str, Any]:
    """Whom to tell how it went: the staff member's chat, their language, what they asked."""
    return {
        "chat_id": chat_id,
        "language": language.value,
        "group": group,
        "what": what,
        "intent": intent,
        "params": {key: str(value) for key, value in params.items()},
    }


def why(reason: str) -> str:
    """The catalogue key that says in plain words why Telegram refused."""
    lowered = reason.lower()
    if any(fragment in lowered for fragment in _GONE):
        return "outcome.why_gone"
    if any(fragment in lowered for fragment in _RIGHTS):
        return "outcome.why_rights"
    return "outcome.why_other"


def reason_of(outcome: Outcome) -> str:
    return str(getattr(outcome, "reason", outcome))


async def report(
    session: AsyncSession,
    context: Mapping[str, Any],
    outcome: Outcome,
    now: datetime,
    *,
    success_key: str | None = None,
) -> None:
    """Send what waited for the call (on success) or tell each asker it failed, and why."""
    if isinstance(outcome, Delivered):
        then: Sequence[Mapping[str, Any]] = context.get("then") or ()
        for item in then:
            await enqueue(session, _restored(item), now)
    told = context.get("tell")
    # one asker (a command's sender), or several (the staff who answer for what the bot did)
    for who in [told] if isinstance(told, Mapping) else told or ():
        message = _told(who, outcome, success_key)
        if message is not None:
            await enqueue(session, message, now)


def _told(
    who: Mapping[str, Any], outcome: Outcome, success_key: str | None
) -> OutgoingMessage | None:
    """What one asker hears: that it is done (when `success_key`), or that it is not, and why."""
    language = Language(who["language"])
    params = dict(who.get("params") or {})
    if isinstance(outcome, Delivered):
        if success_key is None:
            return None
        words = text(language, success_key, group=who["group"])
        intent = f"{who['intent']}:done"
    else:
        reason = reason_of(outcome)
        what = text(language, f"outcome.what_{who['what']}", **params)
        because = text(language, why(reason), reason=reason[:120])
        words = text(language, "outcome.not_done", what=what, group=who["group"], why=because)
        intent = f"{who['intent']}:failed"
    return OutgoingMessage(
        chat_id=int(who["chat_id"]), text=words, kind=OutboxKind.GROUP_ALERT, intent_key=intent
    )


async def forget_context(session: AsyncSession, message: ClaimedMessage) -> None:
    """Take the follow-up's context out of a message row (calls forget theirs anyway)."""
    row = await session.scalar(select(OutboxMessage.payload).where(OutboxMessage.id == message.id))
    if not isinstance(row, dict) or CONTEXT_KEY not in row:
        return
    kept = {key: value for key, value in row.items() if key != CONTEXT_KEY}
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id).values(payload=kept)
    )


POST_KIND = OutboxKind.COUNSELLOR_POST


async def post_ended(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """A counsellor's /post ended: tell them it is in the group, or that it is not, and why."""
    context = message.payload.get(CONTEXT_KEY)
    if not isinstance(context, Mapping):
        return
    await report(session, context, outcome, now, success_key="counsellor.posted")
    await forget_context(session, message)
