"""A group's cycle with an end (issue 26.8, SPEC §11.3).

A group runs `groups.cycle_length` from its formation: halfway it hears how far it is, in its
last week that the end is near (and its counsellor gets a thank-you to send with a tap), and at
the end it gets a last post with what the members did together (by the one ledger rule), the
group is closed and the bot leaves the chat once that post is out: a bot cannot delete a group,
so the counsellor is told what they can do with it. Group posts follow the group; the members'
private nudges follow the person, and they keep logging in their own chat.

Each step is a group event recorded once (its dedupe key), so a step is never taken twice; the
group row keeps when its next step is due (`next_cycle_at`), and downtime yields only the step
that is due now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from babel.dates import format_date
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Participant
from bot.i18n import Language, plural, text
from bot.outbox import OutboxKind, OutgoingCall, OutgoingMessage, enqueue
from bot.outbox.outcomes import Outcome
from bot.outbox.store import ClaimedMessage, cancel_pending_for_chat
from bot.services.ledger import ledgers
from bot.services.peer_groups.bilingual import group_languages, in_languages
from bot.services.peer_groups.digest import suggestion_button
from bot.services.peer_groups.follow import cancel_group_notes
from bot.services.peer_groups.lookups import responsible
from bot.services.peer_groups.messaging import post, tell
from bot.services.peer_groups.together.records import group_event
from bot.services.trial import Trial
from experiments.protocol import Protocol, Track
from experiments.records import Done, GroupEventKind, Window

CLOSING_WEEK = timedelta(days=7)
FAREWELL_KIND = OutboxKind.GROUP_FAREWELL
Step = Literal["midpoint", "closing_week", "close"]
_KINDS: dict[Step, GroupEventKind] = {
    "midpoint": GroupEventKind.CYCLE_MIDPOINT,
    "closing_week": GroupEventKind.CLOSING_WEEK,
    "close": GroupEventKind.CYCLE_CLOSED,
}


@dataclass
class CycleScan:
    midpoints: int = 0
    closing_weeks: int = 0
    closed: int = 0


def plan(group: PeerGroup, length: timedelta) -> list[tuple[Step, datetime]]:
    """When each step of the group's cycle is due: from its formation, as SPEC §11.3 says."""
    start = group.formed_at
    return [
        ("midpoint", start + length / 2),
        ("closing_week", start + length - CLOSING_WEEK),
        ("close", start + length),
    ]


def open_for_newcomers(group: PeerGroup, protocol: Protocol, now: datetime) -> bool:
    """Whether someone may still be placed in the group: not once its closing week began."""
    length = protocol.groups.cycle_length
    return length is None or now < group.formed_at + length - CLOSING_WEEK


async def scan_cycles(session: AsyncSession, trial: Trial, now: datetime) -> CycleScan:
    """Take each group's due step of its cycle (only the latest, after downtime)."""
    scan = CycleScan()
    length = trial.protocol.groups.cycle_length
    if length is None:
        return scan
    due = await session.scalars(
        select(PeerGroup).where(
            PeerGroup.status != GroupStatus.CLOSED,
            or_(PeerGroup.next_cycle_at.is_(None), PeerGroup.next_cycle_at <= now),
        )
    )
    for group in due.all():
        steps = plan(group, length)
        passed = [(step, at) for step, at in steps if at <= now]
        group.next_cycle_at = next((at for _step, at in steps if at > now), None)
        if not passed:
            continue
        step, _at = passed[-1]
        dedupe, joined = f"cycle:{step}:{group.id}", await _joined(session, group)
        if step == "close":
            scan.closed += int(await close_group(session, group, trial, now, length))
        elif await group_event(
            session, group.id, _KINDS[step], now, quantity=joined, dedupe=dedupe
        ):
            await _announce(session, group, step, trial, now, length)
            scan.midpoints += step == "midpoint"
            scan.closing_weeks += step == "closing_week"
    return scan


async def _joined(session: AsyncSession, group: PeerGroup) -> int:
    """How many members are in the group's chat (the group events' `quantity`)."""
    count = await session.scalar(
        select(func.count()).where(
            GroupMember.group_id == group.id, GroupMember.status == MemberStatus.JOINED
        )
    )
    return int(count or 0)


def _day(moment: datetime, trial: Trial, language: Language) -> str:
    """A date as people say it ("13 december"), in the study's time zone."""
    local = moment.astimezone(trial.protocol.zone).date()
    return format_date(local, "d MMMM", locale=language.locale)


def _weeks(language: Language, span: timedelta) -> str:
    return plural(language, "cycle.weeks", max(1, round(span / timedelta(days=7))))


async def _announce(
    session: AsyncSession,
    group: PeerGroup,
    step: Step,
    trial: Trial,
    now: datetime,
    length: timedelta,
) -> None:
    """The mid-point or the closing week: a post in the group (if it has its chat); in the
    closing week its counsellor also gets a thank-you to send with a tap."""
    end = group.formed_at + length
    if group.status is GroupStatus.ACTIVE and group.telegram_chat_id is not None:
        languages = await group_languages(session, group)

        def render(language: Language) -> str:
            return text(
                language,
                f"cycle.{step}",
                done=_weeks(language, now - group.formed_at),
                left=_weeks(language, end - now),
                end=_day(end, trial, language),
            )

        await post(
            session,
            group,
            in_languages(languages, render),
            kind=OutboxKind.GROUP_CYCLE,
            intent=f"cycle:{step}:{group.id}",
            now=now,
            not_before=trial.protocol.next_allowed_time(now),
        )
    if step != "closing_week" or group.status is not GroupStatus.ACTIVE:
        return  # the thank-you is for a group that has its chat
    stamp = int(end.astimezone(trial.protocol.zone).strftime("%Y%m%d"))
    for recipient in await responsible(session, group, trial.staff):
        language = recipient.language
        await tell(
            session,
            recipient,
            "counsellor.cycle.closing_week",
            kind=OutboxKind.GROUP_ALERT,
            intent=f"cycle:closing_note:{group.id}",
            now=now,
            buttons=[[suggestion_button(language, group, stamp, "thanks")]],
            group=group.id,
            end=_day(end, trial, language),
            post=text(language, "presence.suggest.thanks"),
        )


async def close_group(
    session: AsyncSession, group: PeerGroup, trial: Trial, now: datetime, length: timedelta
) -> bool:
    """The end of the cycle: a last post with what the group did together, then the bot leaves
    its chat (`farewell_ended`); members who never had a chat hear it privately; the counsellor
    hears what they can do with the chat. False when it was closed already."""
    if not await group_event(
        session,
        group.id,
        GroupEventKind.CYCLE_CLOSED,
        now,
        via="bound" if group.telegram_chat_id is not None else "unbound",
        quantity=await _joined(session, group),
        dedupe=f"cycle:close:{group.id}",
    ):
        return False
    bound = group.status is GroupStatus.ACTIVE and group.telegram_chat_id is not None
    group.status, group.closed_at = GroupStatus.CLOSED, now
    group.next_cycle_at = group.next_digest_at = None
    group.next_progress_at = group.next_curriculum_at = None
    members = (
        await session.execute(
            select(GroupMember, Participant)
            .join(Participant, Participant.id == GroupMember.participant_id)
            .where(GroupMember.group_id == group.id)
        )
    ).all()
    for member, _person in members:
        await cancel_group_notes(session, member.participant_id, "group closed")
    if bound:
        assert group.telegram_chat_id is not None
        await cancel_pending_for_chat(session, group.telegram_chat_id, "group closed")
        await _farewell(session, group, trial, now)
    else:
        await _tell_unbound(session, group, [p for m, p in members if _staying(m)], now)
    for recipient in await responsible(session, group, trial.staff):
        await tell(
            session,
            recipient,
            "counsellor.cycle.closed" if bound else "counsellor.cycle.closed_unbound",
            kind=OutboxKind.GROUP_ALERT,
            intent=f"cycle:closed_note:{group.id}",
            now=now,
            group=group.id,
            weeks=_weeks(recipient.language, length),
        )
    return True


def _staying(member: GroupMember) -> bool:
    return member.status in (MemberStatus.ASSIGNED, MemberStatus.JOINED)


async def together(session: AsyncSession, group: PeerGroup, now: datetime) -> Done:
    """What the members in the group did during its cycle, by the one ledger rule, summed."""
    joined = await session.scalars(
        select(GroupMember.participant_id).where(
            GroupMember.group_id == group.id, GroupMember.status == MemberStatus.JOINED
        )
    )
    cycle = Window(group.formed_at, now)
    found = await ledgers(session, list(joined), group.formed_at)
    total = Done()
    for ledger in found.values():
        done = ledger.done(cycle)
        total = Done(
            total.saved_cents + done.saved_cents,
            total.deposits + done.deposits,
            total.applications + done.applications,
            total.interviews + done.interviews,
            total.jobs + done.jobs,
            total.trainings + done.trainings,
        )
    return total


def summary(group: PeerGroup, done: Done, weeks: str, language: Language) -> str:
    """What the group did together, in counts ("Samen hebben jullie in 10 weken 37 keer
    gespaard"); a neutral line when nothing was logged."""
    if group.track == Track.SAVINGS and done.deposits > 0:
        deposits = plural(language, "count.deposits", done.deposits)
        return text(language, "cycle.summary_savings", weeks=weeks, deposits=deposits)
    if group.track == Track.JOBSEARCH and done.steps > 0:
        applications = plural(language, "count.applications", done.applications)
        steps = plural(language, "cycle.steps", done.steps)
        return text(
            language,
            "cycle.summary_jobsearch",
            weeks=weeks,
            applications=applications,
            steps=steps,
        )
    return text(language, "cycle.summary_none", weeks=weeks)


async def _farewell(session: AsyncSession, group: PeerGroup, trial: Trial, now: datetime) -> None:
    done = await together(session, group, now)
    languages = await group_languages(session, group)

    def render(language: Language) -> str:
        weeks = _weeks(language, now - group.formed_at)
        return text(language, "cycle.farewell", summary=summary(group, done, weeks, language))

    await post(
        session,
        group,
        in_languages(languages, render),
        kind=FAREWELL_KIND,
        intent=f"cycle:farewell:{group.id}",
        now=now,
        not_before=trial.protocol.next_allowed_time(now),
    )


async def _tell_unbound(
    session: AsyncSession, group: PeerGroup, people: list[Participant], now: datetime
) -> None:
    """A group whose chat never started ends too: its members hear it in their own chat."""
    for person in people:
        if person.telegram_user_id is None:
            continue
        message = OutgoingMessage(
            chat_id=person.telegram_user_id,
            text=text(Language(person.language), "cycle.ended_unbound"),
            kind=OutboxKind.GROUP_ENDED,
            intent_key=f"cycle:ended:{group.id}:{person.id}",
            participant_id=person.id,
        )
        await enqueue(session, message, now)


async def farewell_ended(
    session: AsyncSession, message: ClaimedMessage, _outcome: Outcome, now: datetime
) -> None:
    """The last post is out (or could not go out): the bot leaves the group's chat."""
    call = OutgoingCall(
        chat_id=message.chat_id,
        method="leaveChat",
        params={},
        kind=OutboxKind.GROUP_LEAVE,
        intent_key=f"call:leaveChat:{message.chat_id}",
    )
    await enqueue(session, call, now)
