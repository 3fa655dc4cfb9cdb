"""From a formed group to a Telegram group: a counsellor is assigned, binds a chat, links go out.

Bots cannot create groups, so the counsellor does: they are told how in private chat, add the
bot as an admin and send `/bind <code>` there. The bot checks its own rights and the sender
before it links the chat; then every member gets a personal join link in private chat: the
links are made by outbox calls (createChatInviteLink), and `invite_link_ended` sends each to its
member once Telegram has made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import FormationDecision, GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Participant, ParticipantStatus, Role, StaffMember
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingCall, OutgoingMessage, enqueue
from bot.outbox.messages import CONTEXT_KEY
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.store import ClaimedMessage
from bot.services.peer_groups.lookups import (
    GroupError,
    Recipient,
    group_text,
    language_of,
    refusing,
    touch_staff,
)
from bot.services.peer_groups.messaging import alert, post, tell
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory, Turn

# The admin rights the bot needs, in the order Telegram's admin screen lists them.
REQUIRED_RIGHTS = (
    "can_delete_messages",
    "can_restrict_members",
    "can_invite_users",
    "can_pin_messages",
)
FIRST_TOPIC_DELAY = timedelta(days=1)  # members get a day to join before the first topic
LINK_KIND = OutboxKind.GROUP_INVITE_LINK  # the outbox kind of the calls that make join links


@dataclass(frozen=True)
class BotStanding:
    """What getChatMember says about the bot itself in the chat being bound."""

    is_admin: bool
    rights: frozenset[str]


@dataclass(frozen=True)
class BindRequest:
    """`/bind <code>` in a chat: the code typed (None: none), whether the chat is a
    supergroup, and the bot's own standing there (read from Telegram when a code was typed)."""

    code: str | None
    supergroup: bool
    standing: BotStanding | None


@dataclass(frozen=True)
class LinkNeeded:
    member_id: int
    tag: str


async def assign_counsellors(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Give every unassigned group a counsellor, round robin over the active counsellors."""
    waiting = list(
        await session.scalars(
            select(PeerGroup)
            .where(PeerGroup.counsellor_id.is_(None), PeerGroup.status == GroupStatus.AWAITING_BIND)
            .order_by(PeerGroup.id)
        )
    )
    counsellors = list(
        await session.scalars(
            select(StaffMember)
            .where(StaffMember.role == Role.COUNSELLOR, StaffMember.active)
            .order_by(StaffMember.id)
        )
    )
    for group in waiting:
        if not counsellors:
            await _no_counsellor(session, group, now, trial.staff)
            continue
        last = await session.scalar(
            select(PeerGroup.counsellor_id)
            .where(PeerGroup.counsellor_id.is_not(None))
            .order_by(PeerGroup.formed_at.desc(), PeerGroup.id.desc())
            .limit(1)
        )
        chosen = next((c for c in counsellors if last is None or c.id > last), counsellors[0])
        reason = f"round robin over {len(counsellors)} active counsellor(s)"
        await assign(session, group, chosen, reason, now)
    return len(waiting) if counsellors else 0


async def assign(
    session: AsyncSession,
    group: PeerGroup,
    counsellor: StaffMember,
    reason: str,
    now: datetime,
) -> None:
    """Make `counsellor` the group's counsellor, log why, and tell them what to do next."""
    group.counsellor_id, group.counsellor_since = counsellor.id, now
    await session.flush()
    session.add(
        FormationDecision(
            at=now,
            arm=group.arm,
            track=group.track,
            age_band=group.age_band,
            decision="assigned",
            reason=f"counsellor #{counsellor.id}: {reason}",
            group_id=group.id,
            size=await member_count(session, group.id),
        )
    )
    recipient = Recipient(
        counsellor.telegram_user_id,
        Language(counsellor.language) if counsellor.language else language_of(group),
    )
    key = "groups.ready" if group.status is GroupStatus.AWAITING_BIND else "groups.handed_over"
    await tell(
        session,
        recipient,
        key,
        kind=OutboxKind.GROUP_READY,
        intent=f"group_ready:{group.id}:{counsellor.id}",
        now=now,
        group=group.id,
        track=text(recipient.language, f"track.{group.track}"),
        band=group.age_band,
        size=await member_count(session, group.id),
        code=group.code,
    )


async def reassign(session: AsyncSession, group_id: int, staff_id: int, now: datetime) -> PeerGroup:
    """An admin chooses the counsellor of a group; GroupError when either does not exist."""
    group = await session.get(PeerGroup, group_id)
    counsellor = await session.get(StaffMember, staff_id)
    if group is None or group.status is GroupStatus.CLOSED:
        raise GroupError("counsellor.no_such_group", group=group_id)
    if counsellor is None or counsellor.role is not Role.COUNSELLOR or not counsellor.active:
        raise GroupError("counsellor.no_such_counsellor", staff=staff_id)
    await assign(session, group, counsellor, "chosen by an admin", now)
    return group


async def _no_counsellor(
    session: AsyncSession, group: PeerGroup, now: datetime, staff: StaffDirectory
) -> None:
    await alert(
        session,
        await staff.admins(session),
        "groups.no_counsellor",
        intent=f"no_counsellor:{group.id}",
        now=now,
        group=group.id,
    )


async def member_count(session: AsyncSession, group_id: int) -> int:
    """Members still in (or on their way into) the group: assigned or joined."""
    count = await session.scalar(
        select(func.count()).where(
            GroupMember.group_id == group_id,
            GroupMember.status.in_((MemberStatus.ASSIGNED, MemberStatus.JOINED)),
        )
    )
    return int(count or 0)


async def bind(turn: Turn, trial: Trial, request: BindRequest) -> None:
    """/bind <code>: link the chat, or tell the sender what is missing (or how to use it)."""
    if request.code is None or request.standing is None:
        await turn.say_text("groups.bind_usage")
        return
    await refusing(turn, _bind(turn, trial, request.code, request.supergroup, request.standing))


async def _bind(
    turn: Turn, trial: Trial, code: str, supergroup: bool, standing: BotStanding
) -> PeerGroup:
    """Link the group with this code to the chat, or raise GroupError saying what is missing.

    A join link for every member who has none is queued (an outbox call each), and the binding
    is confirmed in the group.
    """
    session, now, sender_id = turn.session, turn.now, turn.user_id
    chat_id, update_id = turn.chat_id, turn.incoming.update_id
    group = await session.scalar(select(PeerGroup).where(PeerGroup.code == code.strip().lower()))
    if group is None or group.status is GroupStatus.CLOSED:
        raise GroupError("groups.bind_unknown_code")
    counsellor = await session.get(StaffMember, group.counsellor_id or 0)
    if counsellor is None or not counsellor.active or counsellor.telegram_user_id != sender_id:
        raise GroupError("groups.bind_not_counsellor", group=group.id)
    if not supergroup:
        raise GroupError("groups.bind_basic_group")
    missing = [right for right in REQUIRED_RIGHTS if right not in standing.rights]
    if not standing.is_admin or missing:
        names = "\n".join(f"• {group_text(group, f'groups.right.{r}')}" for r in missing)
        key = "groups.bind_not_admin" if not standing.is_admin else "groups.bind_missing_rights"
        raise GroupError(key, rights=names)
    if group.telegram_chat_id not in (None, chat_id):
        raise GroupError("groups.bind_elsewhere", group=group.id)
    taken = await session.scalar(
        select(PeerGroup.id).where(PeerGroup.telegram_chat_id == chat_id, PeerGroup.id != group.id)
    )
    if taken is not None:
        raise GroupError("groups.bind_chat_taken", group=taken)
    await touch_staff(session, sender_id, now)
    if group.status is GroupStatus.AWAITING_BIND:
        _start(group, chat_id, trial, now)
        group.bound_by_id = counsellor.id  # the first binder, who likely made the chat
    sent = await request_links(session, group, now, batch=update_id)
    sent += await _linked(session, group.id)
    words = group_text(group, "groups.bound", group=group.id, sent=sent)
    await post(
        session, group, words, kind=OutboxKind.GROUP_BOUND, intent=f"bound:{update_id}", now=now
    )
    return group


def _start(group: PeerGroup, chat_id: int, trial: Trial, now: datetime) -> None:
    schedule = trial.protocol.schedule
    group.telegram_chat_id = chat_id
    group.status = GroupStatus.ACTIVE
    group.bound_at = now
    # the first post counts the group's week the binding falls in, when that week is over
    group.next_progress_at = trial.protocol.group_week(now).end
    group.next_curriculum_at = now + min(FIRST_TOPIC_DELAY, schedule.curriculum_interval)


async def request_links(
    session: AsyncSession, group: PeerGroup, now: datetime, *, batch: int | str
) -> int:
    """A join link for every member of a bound group who has none: an outbox call each, whose
    follow-up (`invite_link_ended`) sends the link privately. `batch` names the occasion (the
    /bind update, or "late" for someone placed in the group after it was bound)."""
    assert group.telegram_chat_id is not None
    needed = await _links_needed(session, group)
    for member in needed:
        call = OutgoingCall(
            chat_id=group.telegram_chat_id,
            method="createChatInviteLink",
            params={"name": member.tag, "creates_join_request": True},  # a tag, never a name
            kind=LINK_KIND,
            intent_key=f"call:invite_link:{member.member_id}:{batch}",
            context={"member_id": member.member_id, "update_id": batch},
        )
        await enqueue(session, call, now)
    return len(needed)


async def _links_needed(session: AsyncSession, group: PeerGroup) -> list[LinkNeeded]:
    rows = await session.execute(
        select(GroupMember.id, GroupMember.tag)
        .join(Participant, Participant.id == GroupMember.participant_id)
        .where(
            GroupMember.group_id == group.id,
            GroupMember.status == MemberStatus.ASSIGNED,
            GroupMember.invite_link.is_(None),
            Participant.telegram_user_id.is_not(None),
        )
        .order_by(GroupMember.id)
    )
    return [LinkNeeded(member_id, tag) for member_id, tag in rows]


async def _linked(session: AsyncSession, group_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            GroupMember.group_id == group_id, GroupMember.invite_link.is_not(None)
        )
    )
    return int(count or 0)


async def invite_link_ended(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """A join link call ended: store the link and send it to its member privately, or (once per
    /bind) tell the group how many links could be made.

    Runs in the transaction that records the call's ending, so the link is stored and its
    message queued exactly when the call is known to have succeeded.
    """
    context = message.payload.get(CONTEXT_KEY, {})
    member = await session.get(GroupMember, int(context.get("member_id", 0)))
    group = await session.get(PeerGroup, member.group_id) if member is not None else None
    if member is None or group is None or group.telegram_chat_id is None:
        return
    link = (outcome.result or {}).get("invite_link") if isinstance(outcome, Delivered) else None
    if link is None:
        made = await _linked(session, group.id)
        needed = made + len(await _links_needed(session, group))
        words = group_text(group, "groups.links_failed", made=made, needed=needed)
        intent = f"links_failed:{context.get('update_id')}"
        await post(session, group, words, kind=OutboxKind.GROUP_REPLY, intent=intent, now=now)
        return
    participant = await session.get(Participant, member.participant_id)
    if member.invite_link is not None or participant is None:
        return  # a second /bind made another link; the first one stands
    if participant.telegram_user_id is None:
        return
    member.invite_link, member.link_sent_at = str(link), now
    language = Language(participant.language)
    fresh = bool(context.get("fresh"))  # a new link for someone who came back (/resume)
    personal = OutgoingMessage(
        chat_id=participant.telegram_user_id,
        text=text(language, "join.fresh_link" if fresh else "groups.your_link", link=link),
        kind=OutboxKind.GROUP_LINK,
        intent_key=f"group_link:{member.id}:{group.telegram_chat_id}"
        + (f":{context.get('update_id')}" if fresh else ""),
        participant_id=participant.id,
    )
    await enqueue(session, personal, now)


async def scan_join_reminders(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Remind members who have not joined, `join_reminders` after their link (at most two).

    The intent names the reminder's number, so each is sent once; after downtime only the
    latest due reminder goes out.
    """
    delays = trial.protocol.schedule.join_reminders
    if not delays:
        return 0
    rows = await session.execute(
        select(GroupMember, Participant)
        .join(Participant, Participant.id == GroupMember.participant_id)
        .join(PeerGroup, PeerGroup.id == GroupMember.group_id)
        .where(
            PeerGroup.status == GroupStatus.ACTIVE,
            GroupMember.status == MemberStatus.ASSIGNED,
            GroupMember.link_sent_at.is_not(None),
            GroupMember.invite_link.is_not(None),
            GroupMember.link_sent_at <= now - delays[0],
            Participant.telegram_user_id.is_not(None),
            Participant.status == ParticipantStatus.ACTIVE,
        )
    )
    sent = 0
    for member, participant in rows:
        assert member.link_sent_at is not None
        assert participant.telegram_user_id is not None
        due = sum(1 for delay in delays if now - member.link_sent_at >= delay)
        reminder = OutgoingMessage(
            chat_id=participant.telegram_user_id,
            text=text(Language(participant.language), "join.reminder", link=member.invite_link),
            kind=OutboxKind.JOIN_REMINDER,
            intent_key=f"join_reminder:{member.id}:{member.link_sent_at.isoformat()}:{due}",
            participant_id=participant.id,
        )
        sent += await enqueue(session, reminder, now)
    return sent


def reminders_sent(member: GroupMember, delays: tuple[timedelta, ...], now: datetime) -> int:
    """How many join reminders a member who has not joined has had by `now`."""
    if member.link_sent_at is None:
        return 0
    return sum(1 for delay in delays if now - member.link_sent_at >= delay)
