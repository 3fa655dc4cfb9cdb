"""Peer groups in Telegram: who may join, who joined or left, and how the bot talks about it.

Shared helpers for the other group modules live here too: finding a group by its chat, a
member by their Telegram id, the staff who answer for a group, and queueing group messages.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus
from bot.db.groups import GroupMember, GroupStatus, MemberStatus, ModerationAction, PeerGroup
from bot.db.study import Event, Participant, Role, StaffMember
from bot.i18n import Language, plural, text
from bot.outbox import Button, OutgoingCall, OutgoingMessage, enqueue
from bot.services.staff.directory import roles_of
from experiments.events import EventKind

log = logging.getLogger(__name__)

StaffRole = Literal["counsellor", "admin"]
Change = Literal["joined", "left", "removed"]
DECLINE_NOTICE_BUCKET = timedelta(hours=1)  # at most one "declined someone" notice per hour
WELCOME_BURST = timedelta(minutes=2)  # joins this close together get one welcome


class GroupError(Exception):
    """A refusal with a user-facing message key, translated by the handler."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    language: Language


def language_of(group: PeerGroup) -> Language:
    return Language(group.language)


def group_text(group: PeerGroup, key: str, /, **params: object) -> str:
    return text(language_of(group), key, **params)


def protocol_language(group: PeerGroup) -> Language:
    """The group's language, for the protocol's templates."""
    return language_of(group)


async def active_group(session: AsyncSession, chat_id: int) -> PeerGroup | None:
    """The bound group behind a Telegram chat, or None for any other chat."""
    return await session.scalar(
        select(PeerGroup).where(
            PeerGroup.telegram_chat_id == chat_id, PeerGroup.status == GroupStatus.ACTIVE
        )
    )


async def membership(session: AsyncSession, telegram_user_id: int) -> GroupMember | None:
    """The group place of whoever has this Telegram id, if they are a participant with one."""
    return await session.scalar(
        select(GroupMember)
        .join(Participant, Participant.id == GroupMember.participant_id)
        .where(Participant.telegram_user_id == telegram_user_id)
    )


async def staff_role(
    session: AsyncSession, group: PeerGroup, telegram_user_id: int, admin_ids: Collection[int]
) -> StaffRole | None:
    """'counsellor' for this group's counsellor, 'admin' for admins, None for everyone else."""
    if group.counsellor_id is not None:
        counsellor = await session.get(StaffMember, group.counsellor_id)
        if counsellor and counsellor.active and counsellor.telegram_user_id == telegram_user_id:
            return "counsellor"
    if Role.ADMIN in await roles_of(session, telegram_user_id, admin_ids):
        return "admin"
    return None


async def admins(session: AsyncSession, admin_ids: Collection[int]) -> list[int]:
    """Telegram ids of every admin: from the settings and from invites."""
    invited = await session.scalars(
        select(StaffMember.telegram_user_id).where(
            StaffMember.role == Role.ADMIN, StaffMember.active
        )
    )
    return sorted(set(admin_ids) | set(invited))


async def responsible(
    session: AsyncSession, group: PeerGroup, admin_ids: Collection[int]
) -> list[Recipient]:
    """Who hears about a group's reports and alerts: its counsellor, or the admins if none."""
    if group.counsellor_id is not None:
        counsellor = await session.get(StaffMember, group.counsellor_id)
        if counsellor is not None and counsellor.active:
            return [Recipient(counsellor.telegram_user_id, language_of(group))]
    return [Recipient(admin, language_of(group)) for admin in await admins(session, admin_ids)]


async def touch_staff(session: AsyncSession, telegram_user_id: int, now: datetime) -> None:
    """A counsellor did something: they are not inactive (admin alerts watch this)."""
    await session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == telegram_user_id, StaffMember.active)
        .values(last_active_at=now)
    )


async def tell(
    session: AsyncSession,
    recipient: Recipient,
    key: str,
    /,
    *,
    kind: str,
    intent: str,
    now: datetime,
    buttons: Sequence[Sequence[Button]] = (),
    **params: object,
) -> None:
    """Queue a private message to a staff member (catalogue text in their language)."""
    message = OutgoingMessage(
        chat_id=recipient.chat_id,
        text=text(recipient.language, key, **params),
        kind=kind,
        intent_key=f"{intent}:{recipient.chat_id}",
        buttons=buttons,
    )
    await enqueue(session, message, now)


async def alert(
    session: AsyncSession,
    chat_ids: Iterable[int],
    language: Language,
    key: str,
    /,
    *,
    intent: str,
    now: datetime,
    **params: object,
) -> None:
    """The same admin alert to each of `chat_ids`, in `language`."""
    for chat_id in chat_ids:
        recipient = Recipient(chat_id, language)
        await tell(
            session,
            recipient,
            key,
            kind="admin_alert",
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
    kind: str,
    intent: str,
    now: datetime,
    not_before: datetime | None = None,
    reply_to: int | None = None,
    entities: Sequence[Mapping[str, Any]] = (),
) -> bool:
    """Queue a message in the group's chat; the sender paces it within 20 per minute."""
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
    )
    return await enqueue(session, message, now)


def record_event(
    session: AsyncSession, member: GroupMember, kind: str, now: datetime, dedupe: str, **detail: str
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


async def decide_join(
    session: AsyncSession,
    chat_id: int,
    telegram_user_id: int,
    now: datetime,
    admin_ids: Collection[int],
    *,
    update_id: int,
) -> bool | None:
    """Approve (True) a member of this group, decline (False) anyone else; None: not our chat.

    The approval or decline is queued in the outbox (a call, in the highest lane). A declined
    person leaves no identity behind: the log and the counsellor's notice say only when it
    happened and whether it was a participant of another group or someone else, and the call's
    row forgets their id once it is done.
    """
    group = await active_group(session, chat_id)
    if group is None:
        return None
    member = await membership(session, telegram_user_id)
    approve = member is not None and member.group_id == group.id
    if approve and member is not None and member.status is MemberStatus.REMOVED:
        approve = False
    call = OutgoingCall(
        chat_id=chat_id,
        method="approveChatJoinRequest" if approve else "declineChatJoinRequest",
        params={"user_id": telegram_user_id},
        kind="join_request",
        intent_key=f"call:join:{update_id}",
    )
    await enqueue(session, call, now)
    if approve:
        return True
    if member is not None and member.group_id == group.id:
        why = "removed"
    else:
        why = "other_group" if member is not None else "stranger"
    session.add(
        ModerationAction(group_id=group.id, at=now, actor_role="bot", action="decline", reason=why)
    )
    bucket = int(now.timestamp() // DECLINE_NOTICE_BUCKET.total_seconds())
    for recipient in await responsible(session, group, admin_ids):
        await tell(
            session,
            recipient,
            f"groups.declined_{why}",
            kind="group_declined",
            intent=f"declined:{group.id}:{bucket}",
            now=now,
            group=group.id,
        )
    log.info("join request declined group=%s reason=%s", group.id, why)
    return False


async def member_changed(
    session: AsyncSession,
    chat_id: int,
    telegram_user_id: int,
    change: Change,
    update_id: int,
    now: datetime,
    first_name: str | None = None,
) -> None:
    """A chat_member update: record a member's join (and welcome them) or their leaving.

    "removed" is someone else taking them out (our /remove, or an admin in Telegram's own
    member list); such a member's later join requests are declined.
    """
    group = await active_group(session, chat_id)
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


def utf16_length(words: str) -> int:
    """A text's length as Telegram counts entity offsets: in UTF-16 code units."""
    return len(words.encode("utf-16-le")) // 2


def mention(words: str, first_name: str, telegram_user_id: int) -> list[dict[str, Any]]:
    """A text_mention entity on the first occurrence of `first_name` in `words` (a Telegram
    mention that works without a username). It carries the Telegram id into the outbox row;
    erasure drops such entities (bot.services.participants.erasure)."""
    at = words.find(first_name)
    if at < 0 or not first_name:
        return []
    return [
        {
            "type": "text_mention",
            "offset": utf16_length(words[:at]),
            "length": utf16_length(first_name),
            "user": {"id": telegram_user_id, "is_bot": False, "first_name": first_name},
        }
    ]


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
    and_ = group_text(group, "join.and")
    names = [name for _, name in people]
    listed = ", ".join(names[:-1]) + and_ + names[-1] if len(names) > 1 else names[0]
    words = plural(language_of(group), "join.welcome", len(people), names=listed)
    entities = welcome_mentions(words, people)
    if queued is not None:
        changed = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == queued.id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(payload={**queued.payload, "text": words, "entities": entities})
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            return
        words = plural(language_of(group), "join.welcome", 1, names=newcomer[1])
        entities = welcome_mentions(words, [newcomer])
    await post(
        session,
        group,
        words,
        kind="group_welcome",
        intent=f"welcome:{update_id}",
        now=now,
        not_before=now + WELCOME_BURST,
        entities=entities,
    )


def welcome_mentions(words: str, people: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """A text_mention for each newcomer's name, in order of appearance."""
    entities: list[dict[str, Any]] = []
    start = 0
    for telegram_user_id, name in people:
        at = words.find(name, start)
        if at < 0:
            continue
        entities.append(
            {
                "type": "text_mention",
                "offset": utf16_length(words[:at]),
                "length": utf16_length(name),
                "user": {"id": telegram_user_id, "is_bot": False, "first_name": name},
            }
        )
        start = at + len(name)
    return entities
