"""Peer groups in Telegram: who may join, who joined or left, and the welcome for newcomers.

Each join and leave (and, from chat_activity, each message) is recorded as an activity event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.groups import GroupMember, MemberStatus, ModerationAction, PeerGroup
from bot.db.study import Event
from bot.outbox import OutboxKind, OutgoingCall, enqueue
from bot.services.peer_groups.lookups import membership, responsible
from bot.services.peer_groups.messaging import post, tell, welcome_mentions
from bot.services.peer_groups.presence import welcome_text
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.records import EventKind

log = logging.getLogger(__name__)

Change = Literal["joined", "left", "removed"]
DECLINE_NOTICE_BUCKET = timedelta(hours=1)  # at most one "declined someone" notice per hour
WELCOME_BURST = timedelta(minutes=2)  # joins this close together get one welcome


def record_event(
    session: AsyncSession,
    member: GroupMember,
    kind: EventKind,
    now: datetime,
    dedupe: str,
    **detail: str,
) -> None:
    """An activity event (join, leave, message): counts and times only, never content."""
    session.add(
        Event(
            participant_id=member.participant_id,
            kind=kind,
            detail={"group": member.group_id, **detail},
            occurred_at=now,
            source="group",
            dedupe_key=dedupe,
        )
    )


@dataclass(frozen=True)
class MemberChange:
    """A chat_member update: who (their Telegram id and first name) joined, left or was
    removed; the update's sender is whoever made the change."""

    telegram_user_id: int
    first_name: str | None
    change: Change


async def decide_join(turn: Turn, _trial: Trial) -> None:
    """Approve a join request of a member of this group, decline anyone else's.

    The approval or decline is queued in the outbox (a call, in the highest lane). A declined
    person leaves no identity behind: the log and the counsellor's notice say only when it
    happened and whether it was a participant of another group or someone else, and the call's
    row forgets their id once it is done.
    """
    session, now, update_id = turn.session, turn.now, turn.incoming.update_id
    chat_id, telegram_user_id = turn.chat_id, turn.user_id
    group = await turn.group()
    if group is None:
        return
    member = await membership(session, telegram_user_id)
    approve = member is not None and member.group_id == group.id
    if approve and member is not None and member.status is MemberStatus.REMOVED:
        approve = False
    call = OutgoingCall(
        chat_id=chat_id,
        method="approveChatJoinRequest" if approve else "declineChatJoinRequest",
        params={"user_id": telegram_user_id},
        kind=OutboxKind.JOIN_REQUEST,
        intent_key=f"call:join:{update_id}",
    )
    await enqueue(session, call, now)
    if approve:
        return
    if member is not None and member.group_id == group.id:
        why = "removed"
    else:
        why = "other_group" if member is not None else "stranger"
    session.add(
        ModerationAction(group_id=group.id, at=now, actor_role="bot", action="decline", reason=why)
    )
    bucket = int(now.timestamp() // DECLINE_NOTICE_BUCKET.total_seconds())
    for recipient in await responsible(session, group, turn.staff):
        await tell(
            session,
            recipient,
            f"groups.declined_{why}",
            kind=OutboxKind.GROUP_DECLINED,
            intent=f"declined:{group.id}:{bucket}",
            now=now,
            group=group.id,
        )
    log.info("join request declined group=%s reason=%s", group.id, why)


async def member_changed(turn: Turn, _trial: Trial, changed: MemberChange) -> None:
    """A chat_member update: record a member's join (and welcome them) or their leaving.

    "removed" is someone else taking them out (our /remove, or an admin in Telegram's own
    member list); such a member's later join requests are declined.
    """
    session, now, update_id = turn.session, turn.now, turn.incoming.update_id
    telegram_user_id, first_name, change = (
        changed.telegram_user_id,
        changed.first_name,
        changed.change,
    )
    group = await turn.group()
    member = await membership(session, telegram_user_id)
    if group is None or member is None or member.group_id != group.id:
        return  # staff, strangers added by hand, or a chat that is not ours: nothing to record
    if change == "joined":
        member.status = MemberStatus.JOINED
        member.joined_at = member.joined_at or now
        member.last_active_at = now
        record_event(session, member, EventKind.GROUP_JOIN, now, f"chat_member:{update_id}")
        await welcome(session, group, (telegram_user_id, first_name or member.tag), update_id, now)
        return
    if member.status is MemberStatus.ASSIGNED and member.joined_at is None:
        return  # a stale update about someone who is on their way in again (a fresh link)
    # Taken out by the bot because they stopped or erased (status LEFT already): they left.
    stopped = member.status is MemberStatus.LEFT
    removed = (change == "removed" and not stopped) or member.status is MemberStatus.REMOVED
    member.status = MemberStatus.REMOVED if removed else MemberStatus.LEFT
    how = "removed" if removed else "left"
    member.left_at = now
    record_event(session, member, EventKind.GROUP_LEAVE, now, f"chat_member:{update_id}", how=how)


async def welcome(
    session: AsyncSession,
    group: PeerGroup,
    newcomer: tuple[int, str],
    update_id: int,
    now: datetime,
) -> None:
    """One welcome per burst of joins: it names every newcomer and points to /rules.

    The first join queues the welcome `WELCOME_BURST` ahead; each join before it goes out adds
    its newcomer to that queued message (its mentions list who is in it). A welcome the sender
    took meanwhile is left alone and the newcomer gets the next one.
    """
    assert group.telegram_chat_id is not None
    queued = await session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.chat_id == group.telegram_chat_id,
            OutboxMessage.kind == "group_welcome",
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    people = [newcomer]
    if queued is not None:
        named = [
            (int(e["user"]["id"]), str(e["user"]["first_name"]))
            for e in queued.payload.get("entities") or []
            if e.get("type") == "text_mention"
        ]
        people = [p for p in named if p[0] != newcomer[0]] + [newcomer]
    words = await welcome_text(session, group, [name for _, name in people])
    entities = welcome_mentions(words, people)
    if queued is not None:
        changed = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == queued.id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(payload={**queued.payload, "text": words, "entities": entities})
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            return
        words = await welcome_text(session, group, [newcomer[1]])
        entities = welcome_mentions(words, [newcomer])
    await post(
        session,
        group,
        words,
        kind=OutboxKind.GROUP_WELCOME,
        intent=f"welcome:{update_id}",
        now=now,
        not_before=now + WELCOME_BURST,
        entities=entities,
    )
