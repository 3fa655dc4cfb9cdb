"""What members do in their group: each message counted (never its text), flood control, /rules.

Flood control keeps a sliding window of Telegram timestamps per (group, sender) in the
database, so several processes sharing updates count the same messages. Telegram's clock is
used for the window because it says when a message was *sent*; the study clock says when it
was *handled*, and a backlog handled after downtime is not a flood. The notice in the group and
the alert to staff ride on the mute's call (`sanctions.call_ended`): said once Telegram muted
the member; when it refuses, the staff who answer for the group hear why and the group nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType
from bot.db.groups import FloodWindow, PeerGroup
from bot.db.upsert import insert_if_absent
from bot.outbox import OutboxKind, OutgoingMessage
from bot.services.peer_groups import outcomes
from bot.services.peer_groups.lookups import (
    Recipient,
    group_text,
    language_of,
    membership,
    responsible,
    touch_staff,
)
from bot.services.peer_groups.membership import record_event
from bot.services.peer_groups.messaging import post, staff_message
from bot.services.peer_groups.moderation_log import Actor
from bot.services.peer_groups.mute_durations import describe
from bot.services.peer_groups.presence import counsellor_posted
from bot.services.peer_groups.sanctions import apply, chat_of, mute_member
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.records import EventKind


@dataclass(frozen=True)
class GroupMessage:
    """A message someone sent in a group: its id and when Telegram says it was sent."""

    message_id: int
    sent_at: datetime


async def group_message(turn: Turn, trial: Trial, message: GroupMessage) -> None:
    """Count a message for its sender and mute them if they are flooding the group (the
    restriction is queued in the outbox; what says "muted" waits until Telegram did it)."""
    session, now, chat_id, sender_id = turn.session, turn.now, turn.chat_id, turn.user_id
    message_id, sent_at = message.message_id, message.sent_at
    group = await turn.group()
    if group is None:
        return
    role = await turn.role_in(group)
    if role is not None:
        await touch_staff(session, sender_id, now)
        if role == "counsellor":  # how often counsellors post is counted per group (26.6)
            dedupe = f"cpost:{chat_id}:{message_id}"
            await counsellor_posted(session, group.id, "chat", now, dedupe)
        return  # counsellors and admins are exempt from flood control
    member = await membership(session, sender_id)
    if member is not None and member.group_id == group.id:
        member.last_active_at = now
        record_event(session, member, EventKind.GROUP_MESSAGE, now, f"gmsg:{chat_id}:{message_id}")
    else:
        member = None
    settings = trial.protocol.groups
    if not await _flooding(session, group, sender_id, sent_at.timestamp(), trial, now):
        return
    reason = f"{settings.flood_messages} messages within {settings.flood_window}"
    sanction = await mute_member(
        session,
        group,
        Actor("bot", None),
        (member, sender_id),
        settings.mute_duration,
        reason,
        (now, sent_at),
        "flood_mute",
    )
    intent = f"flood:{chat_id}:{message_id}"
    tag = member.tag if member else "–"
    staff = await responsible(session, group, turn.staff)
    # the notice and the alerts say "muted": they go out once Telegram muted them; when it
    # refuses, the staff who answer for the group hear why instead
    said = [_flood_notice(group, settings.mute_duration, intent)]
    said += [_flood_alert(group, person, tag, trial, intent) for person in staff]
    tell = tuple(
        outcomes.asker(
            person.chat_id,
            person.language,
            group.id,
            "flood",
            f"{intent}:{person.chat_id}",
            name=tag,
        )
        for person in staff
    )
    await apply(session, replace(sanction, then=tuple(said), tell=tell), intent, now)


def _flood_notice(group: PeerGroup, duration: timedelta, intent: str) -> OutgoingMessage:
    words = group_text(
        group, "moderation.flood_muted", duration=describe(duration, language_of(group))
    )
    return OutgoingMessage(
        chat_id=chat_of(group),
        chat_type=ChatType.GROUP,
        text=words,
        kind=OutboxKind.GROUP_REPLY,
        intent_key=intent,
    )


def _flood_alert(
    group: PeerGroup, recipient: Recipient, tag: str, trial: Trial, intent: str
) -> OutgoingMessage:
    settings = trial.protocol.groups
    return staff_message(
        recipient,
        "moderation.flood_told",
        kind=OutboxKind.GROUP_ALERT,
        intent=intent,
        group=group.id,
        tag=tag,
        count=settings.flood_messages,
        seconds=int(settings.flood_window.total_seconds()),
        duration=describe(settings.mute_duration, recipient.language),
    )


async def _flooding(
    session: AsyncSession,
    group: PeerGroup,
    sender_id: int,
    stamp: float,
    trial: Trial,
    now: datetime,
) -> bool:
    """Add `stamp` to the sender's window; True when the window holds `flood_messages`.

    The row is locked (PostgreSQL) or the database is (SQLite's BEGIN IMMEDIATE), so two
    processes handling the same person's messages cannot both miss the limit.
    """
    key = {"group_id": group.id, "telegram_user_id": sender_id}
    await insert_if_absent(session, FloodWindow, {**key, "stamps": [], "last_at": now}, list(key))
    window = await session.scalar(
        select(FloodWindow)
        .where(FloodWindow.group_id == group.id, FloodWindow.telegram_user_id == sender_id)
        .with_for_update()
    )
    assert window is not None
    settings = trial.protocol.groups
    span = settings.flood_window.total_seconds()
    recent = [s for s in window.stamps if s > stamp - span] + [stamp]
    flooding = len(recent) >= settings.flood_messages
    window.stamps = [] if flooding else recent
    window.last_at = now
    return flooding


async def prune_flood_windows(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Forget windows nobody wrote into for longer than the window: they count nothing."""
    idle = now - trial.protocol.groups.flood_window - timedelta(minutes=1)
    result = await session.execute(delete(FloodWindow).where(FloodWindow.last_at < idle))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def rules(turn: Turn, _trial: Trial) -> None:
    """/rules in a group: post the rules in the group's language."""
    group = await turn.group()
    if group is not None:
        words = group_text(group, "groups.rules")
        intent = f"rules:{turn.incoming.update_id}"
        await post(
            turn.session, group, words, kind=OutboxKind.GROUP_REPLY, intent=intent, now=turn.now
        )
