"""Counsellor commands in a group, given as a reply: /warn, /mute, /unmute, /remove, /pin.

Only the group's counsellor and admins may use them (the handler declares it; the runner
refuses anyone else, and nothing happens). Every action is logged (who, whom, why, when) in
`moderation_actions`. The service decides, records and queues the Telegram call the action
needs (restrict, ban, pin, delete) as an outbox row in the same transaction. What the action
says (the announcement in the group, the note to the member) rides in the call's context and
goes out only once Telegram carried the call out; when Telegram refuses it, `call_ended`
(sanctions.py) notes the failure in the log, undoes the mute or removal in our records, and
tells the counsellor why in plain words. How long a mute lasts is read in mute_durations.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType
from bot.db.groups import GroupMember, MemberStatus, PeerGroup
from bot.db.study import Participant
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue
from bot.services.peer_groups import outcomes
from bot.services.peer_groups.lookups import (
    group_text,
    language_of,
    membership,
    responsible,
    touch_staff,
)
from bot.services.peer_groups.messaging import mention, staff_message
from bot.services.peer_groups.moderation_log import Actor, log_action
from bot.services.peer_groups.mute_durations import describe, parse_mute
from bot.services.peer_groups.sanctions import Sanction, apply, chat_of, mute_member
from bot.services.trial import Trial
from bot.services.turns import Turn, language_for_staff

Act = Literal["warn", "mute", "unmute", "remove", "pin"]
ACTS: tuple[Act, ...] = ("warn", "mute", "unmute", "remove", "pin")


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
    # the first name Telegram shows for the target, only to name them in the reply (not stored)
    target_first_name: str | None = None


async def moderate(turn: Turn, trial: Trial, act: Act, command: GroupCommand) -> None:
    """Carry out a counsellor command after checking at whom it points; the Telegram call it
    needs is queued in the outbox."""
    session, now = turn.session, turn.now
    said: list[OutgoingMessage] = []
    sanction = await _decide(turn, trial, act, command, said)
    if sanction is None:
        # nothing for Telegram to do (a warning): what it says is true at once
        for message in said:
            await enqueue(session, message, now)
    await apply(session, sanction, f"{command.update_id}", now)
    if sanction is not None and sanction.kind == "ban":
        # Out, not banned for good: a new invitation could let them in again (their join
        # requests are declined meanwhile, as a removed member's).
        unban = Sanction("unban", sanction.chat_id, sanction.user_id)
        await apply(session, unban, f"{command.update_id}", now)


async def _decide(
    turn: Turn, trial: Trial, act: Act, command: GroupCommand, said: list[OutgoingMessage]
) -> Sanction | None:
    """The call the command needs, carrying what it will say (`said`) and whom to tell if it
    fails; replies that need no call (refusals) are queued at once."""
    session, now = turn.session, turn.now
    group = await turn.group()
    role = await turn.role_in(group) if group is not None else None
    if group is None or role is None:
        return None  # not a bound group, or the runner refused them already
    await touch_staff(session, command.sender_id, now)
    if command.target_message_id is None:
        await _reply(turn, group, "moderation.reply_needed", command=act)
        return None
    target = await membership(session, command.target_user_id or 0)
    if target is not None and target.group_id != group.id:
        target = None
    actor = Actor(role, command.sender_id)
    name = command.target_first_name or (target.tag if target is not None else "")
    tell = outcomes.asker(
        command.sender_id,
        await language_for_staff(session, command.sender_id),
        group.id,
        act,
        f"mod:{command.update_id}",
        name=name,
    )
    if act == "pin":  # any message, the bot's own (say, the rules) included
        action = await log_action(session, group, actor, "pin", target, now)
        return Sanction(
            "pin",
            chat_of(group),
            message_id=command.target_message_id,
            action_id=action,
            tell=(tell,),
        )
    if target is None:
        await _reply(turn, group, "moderation.not_a_member")
        return None
    step = Step(turn, group, command, actor, target, trial, said)
    sanction = await _SANCTIONS[act](step)
    if sanction is None:
        return None
    return replace(sanction, then=tuple(said), tell=(tell,))


@dataclass(frozen=True)
class Step:
    """One moderation command being carried out in the turn of its update: who acts, at whom,
    and what it will say once Telegram carried its call out."""

    turn: Turn
    group: PeerGroup
    command: GroupCommand
    actor: Actor
    target: GroupMember
    trial: Trial
    said: list[OutgoingMessage] = field(default_factory=list)  # sent once the call succeeded

    @property
    def session(self) -> AsyncSession:
        return self.turn.session

    @property
    def now(self) -> datetime:
        return self.turn.now

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

    async def announce(self, key: str, reason: str | None, **params: object) -> None:
        """Say in the group what was done, as a reply to the offending message, naming the
        member by first name (a mention) and giving the reason."""
        command = self.command
        name = command.target_first_name or self.target.tag
        because = reason or group_text(self.group, "join.no_reason")
        words = group_text(self.group, key, name=name, reason=because, **params)
        entities = (
            mention(words, name, command.target_user_id)
            if command.target_first_name and command.target_user_id
            else []
        )
        self.said.append(
            OutgoingMessage(
                chat_id=chat_of(self.group),
                chat_type=ChatType.GROUP,
                text=words,
                kind=OutboxKind.GROUP_REPLY,
                intent_key=f"mod:{command.update_id}",
                reply_to_message_id=command.target_message_id,
                entities=entities,
            )
        )

    async def note(self, key: str, reason: str | None, **params: object) -> None:
        """A private word to the member: what happened, why, for how long, whom to ask."""
        participant = await self.session.get(Participant, self.target.participant_id)
        if participant is None or participant.telegram_user_id is None:
            return
        language = Language(participant.language)
        because = reason or text(language, "join.no_reason")
        message = OutgoingMessage(
            chat_id=participant.telegram_user_id,
            text=text(language, key, reason=because, **params),
            kind=OutboxKind.MODERATION_NOTE,
            intent_key=f"mod_note:{self.command.update_id}:{key}",
            participant_id=participant.id,
        )
        self.said.append(message)

    async def language(self) -> Language:
        participant = await self.session.get(Participant, self.target.participant_id)
        return (
            Language(participant.language) if participant is not None else language_of(self.group)
        )

    async def log(self, action: str, reason: str | None = None) -> int:
        return await log_action(
            self.session, self.group, self.actor, action, self.target, self.now, reason
        )


async def _warn(step: Step) -> Sanction | None:
    limit = step.trial.protocol.groups.warning_limit
    target = step.target
    target.warnings += 1
    reason = " ".join(step.command.args) or None
    await step.log("warn", reason)
    await step.note("join.note_warned", reason, count=target.warnings, limit=limit)
    if target.warnings < limit:
        await step.announce("join.mod_warned", reason, count=target.warnings, limit=limit)
        return None
    duration = step.trial.protocol.groups.mute_duration
    sanction = await step.mute(duration, f"warning {target.warnings} of {limit}", "limit_mute")
    await step.announce(
        "join.mod_warned_muted",
        reason,
        limit=limit,
        duration=describe(duration, language_of(step.group)),
    )
    await step.note("join.note_muted", reason, duration=describe(duration, await step.language()))
    # "… is muted" to staff is true only once Telegram muted them: it waits for the call too
    for recipient in await responsible(step.session, step.group, step.turn.staff):
        alert = staff_message(
            recipient,
            "moderation.limit_reached",
            kind=OutboxKind.GROUP_ALERT,
            intent=f"limit:{step.command.update_id}",
            group=step.group.id,
            tag=target.tag,
            count=target.warnings,
            duration=describe(duration, recipient.language),
        )
        step.said.append(alert)
    return sanction


async def _mute(step: Step) -> Sanction | None:
    duration, reason = parse_mute(step.command.args, step.trial.protocol.groups.mute_duration)
    sanction = await step.mute(duration, reason)
    await step.announce(
        "join.mod_muted", reason, duration=describe(duration, language_of(step.group))
    )
    await step.note("join.note_muted", reason, duration=describe(duration, await step.language()))
    return sanction


async def _unmute(step: Step) -> Sanction | None:
    step.target.muted_until = None
    step.target.warnings = 0  # a fresh start: the next warning is the first again
    action = await step.log("unmute")
    await step.announce("join.mod_unmuted", None)
    return Sanction(
        "unrestrict", chat_of(step.group), step.command.target_user_id, action_id=action
    )


async def _remove(step: Step) -> Sanction | None:
    step.target.status = MemberStatus.REMOVED
    reason = " ".join(step.command.args) or None
    action = await step.log("remove", reason)
    await step.announce("join.mod_removed", reason)
    await step.note("join.note_removed", reason)
    return Sanction("ban", chat_of(step.group), step.command.target_user_id, action_id=action)


_SANCTIONS: dict[str, Callable[[Step], Awaitable[Sanction | None]]] = {
    "warn": _warn,
    "mute": _mute,
    "unmute": _unmute,
    "remove": _remove,
}


async def _reply(turn: Turn, group: PeerGroup, key: str, /, **params: object) -> None:
    """A short answer in the group, in the group's language."""
    await turn.say(group_text(group, key, **params), kind=OutboxKind.GROUP_REPLY)
