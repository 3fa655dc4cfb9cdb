"""The week's buddy line, and the encouragement a buddy sends back with one tap.

When a group's week ends, each member with a buddy gets one private line about them: what their
buddy set out to do (a jobseeker's weekly goal) and what they logged that week, counted by the
one ledger rule, and, in a group with the check-in, the buddy's plan of that week and whether it
worked out: the check-in rides along in the buddy line, never a message of its own (SPEC §11.1;
the check-in itself is asked in the group). Under it, a button
sends the buddy the fixed "👏 Zet 'm op!", relayed by the bot, once per buddy and week.

Each group's round is recorded once per week (`group_events`, kind buddy_round), which is also
how the scan knows it is done; a round found more than `stale_after` late sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.group_weeks import GroupWeek
from bot.db.groups import PeerGroup
from bot.db.study import ParticipantStatus
from bot.db.together import BuddyPair, GroupEvent
from bot.i18n import Language, plural, text
from bot.outbox import Button, OutboxKind
from bot.services import button_data
from bot.services.button_data import Together
from bot.services.ledger import ledgers
from bot.services.peer_groups.checkin_week import Answers, choice_label, week_answers
from bot.services.peer_groups.ingredients import active_groups_with
from bot.services.peer_groups.together import private
from bot.services.peer_groups.together.buddies import Seat, seats_of
from bot.services.peer_groups.together.places import Place
from bot.services.peer_groups.together.private import Note
from bot.services.peer_groups.together.records import group_event, person_event
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Component
from experiments.records import Done, EventKind, GroupEventKind, Window

TICK = timedelta(microseconds=1)


async def scan_buddy_lines(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Send each due group's buddy lines for the week that ended last; how many were sent."""
    protocol = trial.protocol
    current = protocol.group_week(now)
    assert current.start is not None
    ended = protocol.group_week(current.start - TICK)
    assert ended.start is not None
    assert ended.end is not None
    groups = await active_groups_with(session, trial, Component.BUDDY)
    done = set(
        await session.scalars(
            select(GroupEvent.group_id).where(
                GroupEvent.kind == GroupEventKind.BUDDY_ROUND,
                GroupEvent.week_start == ended.start,
            )
        )
    )
    sent = 0
    for group in groups:
        if group.id in done:
            continue
        late = now - ended.end > protocol.schedule.stale_after
        count = 0 if late else await _round(session, trial, group, ended, now)
        await group_event(
            session, group.id, GroupEventKind.BUDDY_ROUND, now,
            week_start=ended.start, quantity=count,
            dedupe=f"buddy_round:{group.id}:{ended.start.isoformat()}",
        )  # fmt: skip
        sent += count
    return sent


async def _round(
    session: AsyncSession, trial: Trial, group: PeerGroup, week: Window, now: datetime
) -> int:
    """One line per member with a buddy (about each buddy), with the encouragement button."""
    assert week.start is not None
    assert week.end is not None
    pairs: dict[int, list[Seat]] = defaultdict(list)
    for pair_id in await _pair_ids(session, group.id):
        pairs[pair_id] = await seats_of(session, pair_id)
    people = [seat.participant.id for seats in pairs.values() for seat in seats]
    logged = await ledgers(session, people, week.start)
    checkin = await session.scalar(
        select(GroupWeek).where(GroupWeek.group_id == group.id, GroupWeek.week_start == week.start)
    )
    answers = await week_answers(session, checkin, people) if checkin is not None else Answers()
    when = trial.protocol.next_allowed_time(week.end)
    sent = 0
    for pair_id, seats in pairs.items():
        for seat in seats:
            others = [other for other in seats if other is not seat]
            language = Language(seat.participant.language)
            lines = [
                line
                for other in others
                for line in (
                    _line(language, other, logged[other.participant.id].done(week), week.start),
                    _plan_line(language, other, answers),
                )
                if line
            ]
            words = "\n".join([*lines, text(language, "together.buddy.line_footer")])
            intent = f"buddy_line:{seat.participant.id}:{week.start.isoformat()}"
            note = Note(seat.participant, "together.plain", {"words": words})
            buttons = _cheer_buttons(language, pair_id, others)
            if await private.send(
                session, note, kind=OutboxKind.BUDDY_LINE, intent=intent, now=now,
                not_before=when, buttons=buttons,
            ):  # fmt: skip
                sent += 1
                await person_event(
                    session, seat.participant.id, EventKind.BUDDY_LINE, now,
                    group_id=group.id, dedupe=intent, pair=pair_id,
                )  # fmt: skip
    return sent


async def _pair_ids(session: AsyncSession, group_id: int) -> list[int]:
    found = await session.scalars(
        select(BuddyPair.id)
        .where(BuddyPair.group_id == group_id, BuddyPair.ended_at.is_(None))
        .order_by(BuddyPair.id)
    )
    return list(found)


NOTHING_VARIANTS: Final = 3


def nothing_variant(week_start: datetime) -> int:
    """Which wording (1..3) a line about a buddy who logged nothing takes: by the week's ISO
    number, so consecutive weeks read differently and the same week always reads the same."""
    return week_start.isocalendar().week % NOTHING_VARIANTS + 1


def _line(language: Language, buddy: Seat, done: Done, week_start: datetime) -> str:
    """What the buddy set out to do and what they logged, in a line; never a reproach."""
    name = buddy.name
    goal = buddy.participant.commitment_applications or 0
    if done.deposits > 0:
        return plural(language, "together.buddy.line_saved", done.deposits, name=name)
    if done.applications > 0 and goal > 0:
        wanted = plural(language, "count.applications", goal)
        return plural(
            language, "together.buddy.line_applied", done.applications, name=name, goal=wanted
        )
    if done.steps > 0:
        return plural(language, "together.buddy.line_steps", done.steps, name=name)
    variant = nothing_variant(week_start)
    return text(language, f"together.buddy.line_nothing_{variant}", name=name)


def _plan_line(language: Language, buddy: Seat, answers: Answers) -> str | None:
    """The buddy's check-in of that week, riding along (SPEC §11.1): their plan, and whether it
    worked out if they said so; None without a plan."""
    plan = answers.plans.get(buddy.participant.id)
    if plan is None:
        return None
    result = answers.reviews.get(buddy.participant.id)
    key = "open" if result is None else result.value
    label = choice_label(language, plan)
    return text(language, f"together.buddy.plan_{key}", name=buddy.name, plan=label)


def _cheer_buttons(language: Language, pair_id: int, others: list[Seat]) -> list[list[Button]]:
    """One "👏 Zet 'm op!" per buddy (with their name when there are two)."""
    key = "together.buddy.cheer_button" if len(others) == 1 else "together.buddy.cheer_named"
    return [
        [
            button_data.button(
                text(language, key, name=other.name),
                Together("cheer", (pair_id, other.participant.id)),
            )
        ]
        for other in others
    ]


async def cheer(turn: Turn, trial: Trial, place: Place, pair_id: int, buddy_id: int) -> None:
    """ "👏 Zet 'm op!": relayed to the buddy, once per buddy and week; only between buddies."""
    seats = await seats_of(turn.session, pair_id)
    sender = next((s for s in seats if s.participant.id == place.participant.id), None)
    buddy = next((s for s in seats if s.participant.id == buddy_id), None)
    if sender is None or buddy is None or buddy is sender:
        await turn.say_text("together.buddy.cheer_gone")
        return
    if buddy.participant.status is not ParticipantStatus.ACTIVE:
        await turn.say_text("together.buddy.cheer_resting", name=buddy.name)
        return
    week = trial.protocol.group_week(turn.now)
    assert week.start is not None
    intent = f"buddy_cheer:{sender.participant.id}:{buddy_id}:{week.start.isoformat()}"
    note = Note(buddy.participant, "together.buddy.cheer_received", {"name": sender.name})
    sent = await private.send(
        turn.session, note, kind=OutboxKind.BUDDY_CHEER, intent=intent, now=turn.now
    )
    if not sent:
        await turn.say_text("together.buddy.cheer_already", name=buddy.name)
        return
    await person_event(
        turn.session, sender.participant.id, EventKind.BUDDY_CHEER, turn.now,
        group_id=place.group.id, dedupe=intent, pair=pair_id,
    )  # fmt: skip
    await turn.say_text("together.buddy.cheer_sent", name=buddy.name)
