"""Counsellor commands in a group, given as a reply: /warn, /mute, /unmute, /remove, /pin.

Only the group's counsellor and admins may use them; anyone else gets a short refusal and
nothing happens. Every action is logged (who, whom, why, when) in `moderation_actions`. The
service decides and records; the handler then makes the Telegram call the `Sanction` names
(restricting is not a message, so it does not go through the outbox).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, MemberStatus, ModerationAction, PeerGroup
from bot.i18n import Language, text
from bot.services.groups import (
    active_group,
    group_text,
    language_of,
    membership,
    post,
    responsible,
    staff_role,
    tell,
    touch_staff,
)
from bot.services.trial import Trial

Act = Literal["warn", "mute", "unmute", "remove", "pin"]
ACTS: tuple[Act, ...] = ("warn", "mute", "unmute", "remove", "pin")
MAX_MUTE = timedelta(days=366)  # Telegram treats longer restrictions as forever
_DURATION = re.compile(r"^(\d{1,4})([mhdu])$")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "u": timedelta(hours=1)}
_UNIT["d"] = timedelta(days=1)


@dataclass(frozen=True)
class GroupCommand:
    """A command someone sent in a group, usually as a reply to another member's message."""

    chat_id: int
    sender_id: int
    update_id: int
    message_id: int
    sent_at: datetime  # Telegram's own time, which its until_date is counted in
    target_user_id: int | None = None
    target_message_id: int | None = None
    target_text: str | None = None
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sanction:
    """A moderation call for the handler to make; `action_id` lets a failure be logged."""

    kind: Literal["restrict", "unrestrict", "ban", "pin", "delete"]
    chat_id: int
    user_id: int | None = None
    message_id: int | None = None
    until: datetime | None = None
    action_id: int | None = None


def parse_mute(args: tuple[str, ...], default: timedelta) -> tuple[timedelta, str | None]:
    """`/mute [30m|2h|1d] [reason]`: the duration (default when none is given) and reason."""
    match = _DURATION.match(args[0].lower()) if args else None
    if match is None:
        return default, " ".join(args) or None
    duration = min(int(match.group(1)) * _UNIT[match.group(2)], MAX_MUTE)
    return max(duration, timedelta(minutes=1)), " ".join(args[1:]) or None


def describe(duration: timedelta, language: Language) -> str:
    """A duration in words, in the largest unit that fits: "2 hours", "30 minuten"."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        count, rest = divmod(int(duration.total_seconds()), size)
        if count and not rest:
            return text(language, f"duration.{unit}{'' if count == 1 else 's'}", n=count)
    return text(language, "duration.minutes", n=max(1, int(duration.total_seconds() // 60)))


async def moderate(
    session: AsyncSession,
    act: Act,
    command: GroupCommand,
    trial: Trial,
    admin_ids: Collection[int],
    now: datetime,
) -> Sanction | None:
    """Carry out a counsellor command after checking who sent it and at whom it points."""
    group = await active_group(session, command.chat_id)
    if group is None:
        return None
    role = await staff_role(session, group, command.sender_id, admin_ids)
    if role is None:
        await _reply(session, group, command, now, "moderation.not_allowed")
        return None
    await touch_staff(session, command.sender_id, now)
    if command.target_message_id is None:
        await _reply(session, group, command, now, "moderation.reply_needed", command=act)
        return None
    target = await membership(session, command.target_user_id or 0)
    if target is not None and target.group_id != group.id:
        target = None
    actor = Actor(role, command.sender_id)
    if act == "pin":  # any message, the bot's own (say, the rules) included
        action = await log_action(session, group, actor, "pin", target, now)
        return Sanction(
            "pin", chat_of(group), message_id=command.target_message_id, action_id=action
        )
    if target is None:
        await _reply(session, group, command, now, "moderation.not_a_member")
        return None
    step = Step(session, group, command, actor, target, trial, now)
    return await _SANCTIONS[act](step, admin_ids)


@dataclass(frozen=True)
class Actor:
    """Who acted: a counsellor or admin (their Telegram id), or the bot itself."""

    role: str
    telegram_id: int | None


@dataclass(frozen=True)
class Step:
    """One moderation command being carried out."""

    session: AsyncSession
    group: PeerGroup
    command: GroupCommand
    actor: Actor
    target: GroupMember
    trial: Trial
    now: datetime

    async def mute(self, duration: timedelta, reason: str | None, action: str = "mute") -> Sanction:
        assert self.command.target_user_id is not None
        return await mute_member(
            self.session,
            self.group,
            self.actor,
            (self.target, self.command.target_user_id),
            duration,
            reason,
            (self.now, self.command.sent_at),
            action,
        )

    async def reply(self, key: str, **params: object) -> None:
        await _reply(self.session, self.group, self.command, self.now, key, **params)

    async def log(self, action: str, reason: str | None = None) -> int:
        return await log_action(
            self.session, self.group, self.actor, action, self.target, self.now, reason
        )


async def _warn(step: Step, admin_ids: Collection[int]) -> Sanction | None:
    limit = step.trial.protocol.groups.warning_limit
    target = step.target
    target.warnings += 1
    await step.log("warn", " ".join(step.command.args) or None)
    if target.warnings < limit:
        await step.reply("moderation.warned", count=target.warnings, limit=limit)
        return None
    duration = step.trial.protocol.groups.mute_duration
    sanction = await step.mute(duration, f"warning {target.warnings} of {limit}", "limit_mute")
    await step.reply(
        "moderation.warned_muted", limit=limit, duration=describe(duration, language_of(step.group))
    )
    for recipient in await responsible(step.session, step.group, admin_ids):
        await tell(
            step.session,
            recipient,
            "moderation.limit_reached",
            kind="group_alert",
            intent=f"limit:{step.command.update_id}",
            now=step.now,
            group=step.group.id,
            tag=target.tag,
            count=target.warnings,
            duration=describe(duration, recipient.language),
        )
    return sanction


async def _mute(step: Step, admin_ids: Collection[int]) -> Sanction | None:
    duration, reason = parse_mute(step.command.args, step.trial.protocol.groups.mute_duration)
    sanction = await step.mute(duration, reason)
    await step.reply("moderation.muted", duration=describe(duration, language_of(step.group)))
    return sanction


async def _unmute(step: Step, admin_ids: Collection[int]) -> Sanction | None:
    step.target.muted_until = None
    action = await step.log("unmute")
    await step.reply("moderation.unmuted")
    return Sanction(
        "unrestrict", chat_of(step.group), step.command.target_user_id, action_id=action
    )


async def _remove(step: Step, admin_ids: Collection[int]) -> Sanction | None:
    step.target.status = MemberStatus.REMOVED
    action = await step.log("remove", " ".join(step.command.args) or None)
    await step.reply("moderation.removed")
    return Sanction("ban", chat_of(step.group), step.command.target_user_id, action_id=action)


_SANCTIONS: dict[str, Callable[[Step, Collection[int]], Awaitable[Sanction | None]]] = {
    "warn": _warn,
    "mute": _mute,
    "unmute": _unmute,
    "remove": _remove,
}


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
    """Telegram refused the call an action needed: the log says so."""
    action = await session.get(ModerationAction, action_id)
    if action is not None:
        action.failure = failure[:200]


async def log_action(
    session: AsyncSession,
    group: PeerGroup,
    actor: Actor,
    action: str,
    target: GroupMember | None,
    now: datetime,
    reason: str | None = None,
    until: datetime | None = None,
) -> int:
    """Append to the moderation log; returns the entry's id."""
    row = ModerationAction(
        group_id=group.id,
        at=now,
        actor_role=actor.role,
        actor_telegram_id=actor.telegram_id,
        action=action,
        target_member_id=target.id if target else None,
        reason=reason[:300] if reason else None,
        until=until,
    )
    session.add(row)
    await session.flush()
    return row.id


async def _reply(
    session: AsyncSession,
    group: PeerGroup,
    command: GroupCommand,
    now: datetime,
    key: str,
    /,
    **params: object,
) -> None:
    words = group_text(group, key, **params)
    await post(
        session, group, words, kind="group_reply", intent=f"mod:{command.update_id}", now=now
    )
