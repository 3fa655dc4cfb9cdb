"""The group follows the trial: who stops or erases leaves their Telegram group, who resumes
gets a fresh link, and the bot notices when it is taken out of a group or loses its rights.

Leaving is a ban followed by an unban (two outbox calls in the group's chat, sent in order):
Telegram then takes the person out without keeping them banned, so they could join again with
a new invitation. The calls carry the Telegram id only until they are done (the outbox empties
a call's parameters then), and are queued after erasure has scrubbed the outbox, so /delete
does not cancel its own leaving.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.outbox import OutboxKind, OutgoingCall, enqueue
from bot.outbox.store import cancel_pending_for_participant
from bot.services.peer_groups.binding import LINK_KIND
from bot.services.peer_groups.lookups import responsible, staff_recipient
from bot.services.peer_groups.messaging import tell
from bot.services.trial import Trial
from bot.services.turns import Turn

log = logging.getLogger(__name__)
LEAVE_KIND = OutboxKind.MODERATION  # ban and unban are moderation calls (their failures are logged)
# Private group messages that lose their point once someone stops or erases their data.
GROUP_NOTE_KINDS = (
    "pool_update",
    "pool_placement",
    "join_reminder",
    "group_link",
    "moderation_note",
)


async def cancel_group_notes(session: AsyncSession, participant_id: int, reason: str) -> None:
    """Withdraw the participant's queued pool updates, join reminders and links (after /stop
    or /delete: their row would otherwise wait for ever for a chat erasure forgot)."""
    await cancel_pending_for_participant(session, participant_id, GROUP_NOTE_KINDS, reason)


async def leave_group(
    session: AsyncSession, participant_id: int, telegram_user_id: int | None, now: datetime
) -> bool:
    """The participant stopped or erased: out of their group (and its chat, if they joined).

    True when Telegram calls were queued to take them out of the chat.
    """
    member = await session.scalar(
        select(GroupMember).where(GroupMember.participant_id == participant_id)
    )
    if member is None or member.status not in (MemberStatus.ASSIGNED, MemberStatus.JOINED):
        return False
    joined = member.status is MemberStatus.JOINED
    member.status = MemberStatus.LEFT
    member.left_at = now
    group = await session.get(PeerGroup, member.group_id)
    if not joined or telegram_user_id is None or group is None:
        return False
    if group.status is not GroupStatus.ACTIVE or group.telegram_chat_id is None:
        return False
    await kick(session, group.telegram_chat_id, telegram_user_id, f"leave:{member.id}", now)
    return True


async def kick(
    session: AsyncSession, chat_id: int, telegram_user_id: int, intent: str, now: datetime
) -> None:
    """Take someone out of a chat without banning them for good: ban, then unban."""
    for method in ("banChatMember", "unbanChatMember"):
        call = OutgoingCall(
            chat_id=chat_id,
            method=method,
            params={"user_id": telegram_user_id},
            kind=LEAVE_KIND,
            intent_key=f"call:{method}:{intent}:{now.isoformat()}",
        )
        await enqueue(session, call, now)


async def fresh_link(
    session: AsyncSession, participant_id: int, update_id: int, now: datetime
) -> bool:
    """A member who left by stopping and now resumes: a new personal join link is made (and
    sent to them by the link's follow-up). True when one was asked for."""
    member = await session.scalar(
        select(GroupMember).where(GroupMember.participant_id == participant_id)
    )
    if member is None or member.status is not MemberStatus.LEFT:
        return False
    group = await session.get(PeerGroup, member.group_id)
    if group is None or group.status is not GroupStatus.ACTIVE or group.telegram_chat_id is None:
        return False
    member.status = MemberStatus.ASSIGNED
    member.invite_link = None
    member.link_sent_at = None
    call = OutgoingCall(
        chat_id=group.telegram_chat_id,
        method="createChatInviteLink",
        params={"name": member.tag, "creates_join_request": True},
        kind=LINK_KIND,
        intent_key=f"call:invite_link:{member.id}:{update_id}",
        context={"member_id": member.id, "update_id": update_id, "fresh": True},
    )
    await enqueue(session, call, now)
    return True


@dataclass(frozen=True)
class BotChange:
    """A my_chat_member update about the bot itself in a group chat."""

    present: bool  # still in the chat
    missing_rights: bool  # not an admin, or without a right it needs


async def bot_standing_changed(turn: Turn, _trial: Trial, change: BotChange) -> None:
    """A my_chat_member update: the bot was taken out of a bound group or lost its rights.

    The group's counsellor and every admin are told what to do.
    """
    session, now, update_id, present = (
        turn.session,
        turn.now,
        turn.incoming.update_id,
        change.present,
    )
    group = await turn.group()
    if group is None or (present and not change.missing_rights):
        return
    key = "alerts.bot_removed" if not present else "alerts.bot_demoted"
    to = {r.chat_id: r for r in await responsible(session, group, turn.staff)}
    for admin in await turn.staff.admins(session):
        to.setdefault(admin, await staff_recipient(session, admin))
    for recipient in to.values():
        await tell(
            session,
            recipient,
            key,
            kind=OutboxKind.ADMIN_ALERT,
            intent=f"bot_standing:{group.id}:{update_id}",
            now=now,
            group=group.id,
            code=group.code,
        )
    log.warning("bot %s in group %s", "removed" if not present else "lost rights", group.id)
