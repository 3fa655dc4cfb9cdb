"""Kast-design nudges found by set-based scans: reminders for missed periods, encouragements.

Each participant row carries the start of their current commitment period and the time of their
next encouragement (RapidPro's "store the next fire time"); a scan selects the rows that are due
with one query, reads what they logged with one query per few hundred of them, enqueues at most
one message each under a unique intent key in one statement, and moves the times forward past
`now`. So a restart after downtime sends one reminder, not one per period missed, and nothing
twice. A scan handles at most `limit` participants, so that the scheduler can commit in chunks
and let people's own messages in between.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, OutboxStatus
from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus
from bot.i18n import Language
from bot.outbox import OutgoingMessage, enqueue_many
from bot.services.money import format_amount
from bot.services.periods import DEPOSIT_KINDS, advance_due
from bot.services.trial import Trial
from experiments.protocol_sections import Component

log = logging.getLogger(__name__)

MAX_STREAK = 104  # two years of weekly periods: enough to say "a long time"
NUDGE_KINDS = ("reminder", "encouragement", "survey_invitation", "survey_reminder")
JOB_SEARCH_KINDS = ("applied", "interview", "job", "training")
LOGGED_KINDS = (*DEPOSIT_KINDS, *JOB_SEARCH_KINDS)
IDS_PER_QUERY = 500  # keeps an IN list under every engine's parameter limit
# a reminder and an encouragement never arrive within this of each other (issue 14 point 7)
APART = timedelta(hours=1)
APART_KINDS = ("reminder", "encouragement")


@dataclass
class ScanResult:
    due: int = 0
    enqueued: int = 0
    stale: int = 0

    def add(self, other: ScanResult) -> None:
        self.due += other.due
        self.enqueued += other.enqueued
        self.stale += other.stale


@dataclass(frozen=True)
class Logged:
    """One logged event, as the nudge texts need it."""

    kind: str
    amount_cents: int
    quantity: int
    occurred_at: datetime


class History:
    """What one participant logged (deposits and job-search steps), to count from in Python."""

    def __init__(self, events: Sequence[Logged] = ()) -> None:
        self.events = events

    def saved(self, start: datetime, end: datetime | None = None) -> int:
        """Cents saved (corrections included) from `start` up to `end`."""
        return sum(
            event.amount_cents for event in self._within(start, end) if event.kind in DEPOSIT_KINDS
        )

    def counted(self, kind: str, start: datetime, end: datetime | None = None) -> int:
        """How many `kind` steps (e.g. applications) from `start` up to `end`."""
        return sum(event.quantity for event in self._within(start, end) if event.kind == kind)

    def deposits_made(self) -> int:
        """Deposits, not counting ones later undone."""
        kinds = [event.kind for event in self.events]
        return kinds.count("deposit") - kinds.count("deposit_correction")

    def _within(self, start: datetime, end: datetime | None) -> list[Logged]:
        return [
            event
            for event in self.events
            if event.occurred_at >= start and (end is None or event.occurred_at < end)
        ]


async def histories(
    session: AsyncSession, participant_ids: Collection[int], since: datetime | None = None
) -> dict[int, History]:
    """Everyone's logged events (from `since`), one query per `IDS_PER_QUERY` participants."""
    found: dict[int, list[Logged]] = {participant_id: [] for participant_id in participant_ids}
    ordered = sorted(found)
    for start in range(0, len(ordered), IDS_PER_QUERY):
        query = select(
            Event.participant_id,
            Event.kind,
            Event.amount_cents,
            Event.quantity,
            Event.occurred_at,
        ).where(
            Event.participant_id.in_(ordered[start : start + IDS_PER_QUERY]),
            Event.kind.in_(LOGGED_KINDS),
        )
        if since is not None:
            query = query.where(Event.occurred_at >= since)
        for participant_id, kind, cents, quantity, at in await session.execute(query):
            found[participant_id].append(Logged(kind, cents or 0, quantity or 0, at))
    return {participant_id: History(events) for participant_id, events in found.items()}


async def due_participants(
    session: AsyncSession, due: ColumnElement[bool], limit: int | None
) -> Sequence[Participant]:
    """Enrolled, active participants for whom `due` holds: the first `limit` by id."""
    return (
        await session.scalars(
            select(Participant)
            .where(
                Participant.status == ParticipantStatus.ACTIVE,
                Participant.step == IntakeStep.DONE,
                due,
            )
            .order_by(Participant.id)
            .limit(limit)
        )
    ).all()


async def scan_periods(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Close every commitment period that has ended; remind once for a missed one."""
    schedule = trial.protocol.schedule
    period = schedule.commitment_period
    reminded_arms = trial.protocol.arms_with(Component.REMINDER)
    due = await due_participants(session, Participant.period_start <= now - period, limit)
    result = ScanResult(due=len(due))
    missed: list[tuple[Participant, datetime, datetime]] = []
    for participant in due:
        assert participant.period_start is not None
        firing = advance_due(participant.period_start, now, period, schedule.stale_after)
        last_end = participant.period_start = firing.latest
        if participant.arm not in reminded_arms or participant.telegram_user_id is None:
            continue
        if firing.stale:
            result.stale += 1
            log.info(
                "reminder skipped as stale participant=%s period_end=%s", participant.id, last_end
            )
            continue
        missed.append((participant, last_end - period, last_end))
    earliest = min((start for _, start, _ in missed), default=now)
    logged = await histories(session, [participant.id for participant, _, _ in missed], earliest)
    reminders = []
    for participant, start, end in missed:
        text = _reminder_text(participant, logged[participant.id], start, end, trial)
        if text is None:
            continue
        due_at = trial.protocol.next_allowed_time(end + schedule.reminder_delay)
        key = f"reminder:{participant.id}:{end.isoformat()}"
        reminders.append(_nudge(participant, "reminder", text, key, due_at))
    reminders = await keep_apart(session, reminders, trial)
    result.enqueued = await enqueue_many(session, reminders, now)
    return result


def _reminder_text(
    participant: Participant, logged: History, start: datetime, end: datetime, trial: Trial
) -> str | None:
    """The reminder for a missed period, or None when the commitment was met."""
    language = Language(participant.language)
    templates = trial.protocol.templates
    if participant.track == "savings":
        saved = logged.saved(start, end)
        if saved > 0:
            return None
        values = {
            "goal": format_amount(participant.commitment_cents or 0, language),
            "period_total": format_amount(saved, language),
        }
        return templates.render("reminder_savings", language.value, values)
    applied = logged.counted("applied", start, end)
    goal = participant.commitment_applications or 0
    if applied >= goal:
        return None
    values = {"goal": str(goal), "period_count": str(applied)}
    return templates.render("reminder_jobsearch", language.value, values)


async def scan_encouragements(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Send each due encouragement once, with the participant's own progress."""
    schedule = trial.protocol.schedule
    interval = schedule.encouragement_interval
    arms = trial.protocol.arms_with(Component.ENCOURAGEMENT)
    due = await due_participants(session, Participant.next_encouragement_at <= now, limit)
    result = ScanResult(due=len(due))
    encouraged: list[tuple[Participant, datetime]] = []
    for participant in due:
        assert participant.next_encouragement_at is not None
        firing = advance_due(participant.next_encouragement_at, now, interval, schedule.stale_after)
        participant.next_encouragement_at = firing.following
        if participant.arm not in arms or participant.telegram_user_id is None:
            continue
        if firing.stale:
            result.stale += 1
            continue
        encouraged.append((participant, firing.latest))
    logged = await histories(session, [participant.id for participant, _ in encouraged])
    messages = [
        _nudge(
            participant,
            "encouragement",
            _encouragement_text(participant, logged[participant.id], trial),
            f"encouragement:{participant.id}:{latest.isoformat()}",
            trial.protocol.next_allowed_time(latest),
        )
        for participant, latest in encouraged
    ]
    messages = await keep_apart(session, messages, trial)
    result.enqueued = await enqueue_many(session, messages, now)
    return result


def _encouragement_text(participant: Participant, logged: History, trial: Trial) -> str:
    language = Language(participant.language)
    templates = trial.protocol.templates
    since = participant.consented_at
    streak = str(_streak(participant, logged, trial))
    if participant.track == "savings":
        values = {
            "deposits": str(logged.deposits_made()),
            "total": format_amount(logged.saved(since), language),
            "streak": streak,
        }
        return templates.render("encouragement_savings", language.value, values)
    values = {
        "actions": str(sum(logged.counted(kind, since) for kind in JOB_SEARCH_KINDS)),
        "applications": str(logged.counted("applied", since)),
        "streak": streak,
    }
    return templates.render("encouragement_jobsearch", language.value, values)


def _streak(participant: Participant, logged: History, trial: Trial) -> int:
    """Consecutive completed periods, counting back from the latest, that met the goal."""
    period = trial.protocol.schedule.commitment_period
    first = participant.allocated_at or participant.consented_at
    end = participant.period_start
    streak = 0
    while end is not None and end - period >= first and streak < MAX_STREAK:
        start = end - period
        if participant.track == "savings":
            met = logged.saved(start, end) > 0
        else:
            goal = participant.commitment_applications or 0
            met = logged.counted("applied", start, end) >= goal
        if not met:
            break
        streak += 1
        end = start
    return streak


async def keep_apart(
    session: AsyncSession, nudges: Sequence[OutgoingMessage], trial: Trial
) -> list[OutgoingMessage]:
    """`nudges` with each one deferred, if needed, to an hour after the person's other kind
    (a reminder after an encouragement, or the reverse) planned for about the same time: two
    messages nobody asked for in one hour feel like nagging."""
    planned: dict[int, list[tuple[str, datetime]]] = {}
    ids = sorted({n.participant_id for n in nudges if n.participant_id is not None})
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = await session.execute(
            select(
                OutboxMessage.participant_id, OutboxMessage.kind, OutboxMessage.not_before
            ).where(
                OutboxMessage.participant_id.in_(ids[start : start + IDS_PER_QUERY]),
                OutboxMessage.kind.in_(APART_KINDS),
                OutboxMessage.status != OutboxStatus.CANCELLED,
            )
        )
        for participant_id, kind, at in rows:
            if participant_id is not None:
                planned.setdefault(participant_id, []).append((kind, at))
    kept = []
    for nudge in nudges:
        if nudge.not_before is None:
            kept.append(nudge)
            continue
        at = nudge.not_before
        others = sorted(
            when for kind, when in planned.get(nudge.participant_id or 0, []) if kind != nudge.kind
        )
        for when in others:
            if abs(at - when) < APART:
                at = trial.protocol.next_allowed_time(when + APART)
        kept.append(nudge if at == nudge.not_before else replace(nudge, not_before=at))
    return kept


def _nudge(
    participant: Participant, kind: str, text: str, intent_key: str, not_before: datetime
) -> OutgoingMessage:
    assert participant.telegram_user_id is not None
    return OutgoingMessage(
        chat_id=participant.telegram_user_id,
        text=text,
        kind=kind,
        intent_key=intent_key,
        participant_id=participant.id,
        not_before=not_before,
    )


async def cancel_pending_nudges(session: AsyncSession, participant_id: int, reason: str) -> None:
    """Withdraw nudges not yet sent (after /pause, /stop or /delete)."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.participant_id == participant_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.kind.in_(NUDGE_KINDS),
        )
        .values(status=OutboxStatus.CANCELLED, last_error=reason)
    )
