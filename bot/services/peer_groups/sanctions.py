"""The Telegram calls moderation needs (restrict, ban, pin, delete) as outbox rows, and what
follows when they end: on success what the action says goes out; when Telegram refused, the
action's log entry says so, our records no longer claim a mute or removal that did not happen,
and the counsellor hears why in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, MemberStatus, ModerationAction, PeerGroup
from bot.outbox import OutboxKind, OutgoingCall, OutgoingMessage, enqueue
from bot.outbox.messages import CONTEXT_KEY
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.store import ClaimedMessage
from bot.services.peer_groups import outcomes
from bot.services.peer_groups.moderation_log import Actor, log_action

SanctionKind = Literal["restrict", "unrestrict", "ban", "unban", "pin", "delete"]
MUTES = ("mute", "limit_mute", "flood_mute")  # the logged actions that restrict a member
CALL_KIND = OutboxKind.MODERATION  # the outbox kind of these calls, whose follow-up is `call_ended`


@dataclass(frozen=True)
class Sanction:
    """A moderation call Telegram must make; `action_id` lets a failure be logged."""

    kind: SanctionKind
    chat_id: int
    user_id: int | None = None
    message_id: int | None = None
    until: datetime | None = None
    action_id: int | None = None
    # sent only once the call succeeded (announcement, note, alerts), and whom to tell if it fails
    then: tuple[OutgoingMessage, ...] = ()
    tell: tuple[Mapping[str, Any], ...] = ()

    def call(self, intent_key: str) -> OutgoingCall:
        """The outbox row that carries this sanction out."""
        params: dict[str, Any] = {}
        if self.kind in ("restrict", "unrestrict"):
            params["permissions"] = "none" if self.kind == "restrict" else "all"
            if self.until is not None:
                params["until_date"] = int(self.until.timestamp())
        if self.user_id is not None:
            params["user_id"] = self.user_id
        if self.message_id is not None:
            params["message_id"] = self.message_id
        return OutgoingCall(
            chat_id=self.chat_id,
            method=_METHODS[self.kind],
            params=params,
            kind=CALL_KIND,
            intent_key=intent_key,
            context=self._context(),
        )

    def _context(self) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if self.action_id is not None:
            context["action_id"] = self.action_id
        if self.then:
            context["then"] = [outcomes.deferred(message) for message in self.then]
        if self.tell:
            context["tell"] = [dict(who) for who in self.tell]
        return context


_METHODS: dict[SanctionKind, str] = {
    "restrict": "restrictChatMember",
    "unrestrict": "restrictChatMember",
    "ban": "banChatMember",
    "unban": "unbanChatMember",
    "pin": "pinChatMessage",
    "delete": "deleteMessage",
}


async def apply(
    session: AsyncSession, sanction: Sanction | None, intent: str, now: datetime
) -> None:
    """Queue the call `sanction` needs, in the caller's transaction (nothing when None).

    `intent` names the decision (an action's or an update's id), so a redelivered update does
    not repeat it; it never holds a Telegram id.
    """
    if sanction is not None:
        await enqueue(session, sanction.call(f"call:{sanction.kind}:{intent}"), now)


async def call_ended(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """A moderation call ended: on success what the action says goes out; when Telegram
    refused it, the action's log entry says so and the counsellor hears why."""
    context = message.payload.get(CONTEXT_KEY, {})
    action_id = context.get("action_id")
    if not isinstance(outcome, Delivered) and action_id is not None:
        await sanction_failed(session, int(action_id), outcomes.reason_of(outcome))
    await outcomes.report(session, context, outcome, now)


async def mute_member(
    session: AsyncSession,
    group: PeerGroup,
    actor: Actor,
    target: tuple[GroupMember | None, int],
    duration: timedelta,
    reason: str | None,
    times: tuple[datetime, datetime],
    action: str = "mute",
) -> Sanction:
    """Record a mute and say how to apply it.

    `times` is (study clock, Telegram's clock): our record uses the first, the restriction's
    until_date the second, since Telegram counts it on its own clock.
    """
    member, telegram_user_id = target
    now, telegram_now = times
    if member is not None:
        member.muted_until = now + duration
    action_id = await log_action(session, group, actor, action, member, now, reason, now + duration)
    return Sanction(
        "restrict",
        chat_of(group),
        telegram_user_id,
        until=telegram_now + duration,
        action_id=action_id,
    )


def chat_of(group: PeerGroup) -> int:
    assert group.telegram_chat_id is not None
    return group.telegram_chat_id


async def sanction_failed(session: AsyncSession, action_id: int, failure: str) -> None:
    """Telegram refused the call an action needed: the log says so, and our record of the
    member no longer claims a mute or removal that did not happen."""
    action = await session.get(ModerationAction, action_id)
    if action is None:
        return
    action.failure = failure[:200]
    member = (
        await session.get(GroupMember, action.target_member_id)
        if action.target_member_id is not None
        else None
    )
    if member is None:
        return
    if action.action in MUTES and member.muted_until == action.until:
        member.muted_until = None
    elif action.action == "remove" and member.status is MemberStatus.REMOVED:
        member.status = MemberStatus.JOINED
