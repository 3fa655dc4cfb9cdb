"""Kast-design nudges found by set-based scans: reminders for missed periods, encouragements.

Each participant row carries the start of their current commitment period and the time of their
next encouragement (RapidPro's "store the next fire time"); a scan selects the rows that are due
with one query, reads what they logged with one query per few hundred of them, enqueues at most
one message each under a unique intent key in one statement, and moves the times forward past
`now`. So a restart after downtime sends one reminder, not one per period missed, and nothing
twice. A scan handles at most `limit` participants, so that the scheduler can commit in chunks
and let people's own messages in between.

What a scan queues is not yet sent: the outbox's gate (bot.outbox.budget) lets at most the
protocol's daily budget of such messages reach a person, in rank order, outside quiet hours.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import IntakeStep, Participant, ParticipantStatus
from bot.i18n import Language
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.budget import dropped
from bot.outbox.store import cancel_pending_for_participant
from bot.services.intervention import in_intervention
from bot.services.ledger import Ledger, goal_of, ledgers
from bot.services.participants.money import format_amount
from bot.services.periods import advance_due
from bot.services.trial import Trial
from experiments.protocol import Component, Track
from experiments.records import EventKind

log = logging.getLogger(__name__)

NUDGE_KINDS = (
    OutboxKind.REMINDER,
    OutboxKind.ENCOURAGEMENT,
    OutboxKind.SURVEY_INVITATION,
    OutboxKind.SURVEY_REMINDER,
    OutboxKind.PROMPT,
    OutboxKind.PRIVATE_TOPIC,
)


@dataclass
class ScanResult:
    due: int = 0
    enqueued: int = 0
    stale: int = 0
    dropped: int = 0  # not sent at all, for a reason the person would see (an event each)

    def add(self, other: ScanResult) -> None:
        self.due += other.due
        self.enqueued += other.enqueued
        self.stale += other.stale
        self.dropped += other.dropped


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
    due = await due_participants(
        session, (Participant.period_start <= now - period) & in_intervention(trial, now), limit
    )
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
    logged = await ledgers(session, [participant.id for participant, _, _ in missed], earliest)
    reminders = []
    for participant, start, end in missed:
        text = _reminder_text(participant, logged[participant.id], start, end, trial)
        if text is None:
            continue
        due_at = trial.protocol.next_allowed_time(end + schedule.reminder_delay)
        key = f"reminder:{participant.id}:{end.isoformat()}"
        reminders.append(_nudge(participant, OutboxKind.REMINDER, text, key, due_at))
    result.enqueued = await enqueue_many(session, reminders, now)
    return result


def _reminder_text(
    participant: Participant, logged: Ledger, start: datetime, end: datetime, trial: Trial
) -> str | None:
    """The reminder for a missed period, or None when the commitment was met."""
    goal = goal_of(participant)
    if logged.goal_met(goal, start, end):
        return None
    language = Language(participant.language)
    track = Track.SAVINGS if goal.track == Track.SAVINGS else Track.JOBSEARCH
    wordings = trial.protocol.reminders_for(track)
    wording = wordings[_period_number(participant, end, trial) % len(wordings)]
    if goal.track == Track.SAVINGS:
        values = {
            "goal": format_amount(goal.cents, language),
            "period_total": format_amount(logged.saved(start, end), language),
        }
        return wording.render(language, values)
    applied = logged.counted(EventKind.APPLIED, start, end)
    values = {"goal": str(goal.applications), "period_count": str(applied)}
    return wording.render(language, values)


def _period_number(participant: Participant, end: datetime, trial: Trial) -> int:
    """Which of the person's periods ends at `end` (0 for the first): the wordings of the
    reminder go round in this order, so two missed periods in a row never read the same."""
    first = participant.allocated_at or participant.consented_at
    return max(0, -((first - end) // trial.protocol.schedule.commitment_period) - 1)


async def scan_encouragements(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Send each due encouragement once, with the participant's own progress."""
    schedule = trial.protocol.schedule
    interval = schedule.encouragement_interval
    arms = trial.protocol.arms_with(Component.ENCOURAGEMENT)
    due = await due_participants(
        session, (Participant.next_encouragement_at <= now) & in_intervention(trial, now), limit
    )
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
    logged = await ledgers(session, [participant.id for participant, _ in encouraged])
    messages = []
    for participant, latest in encouraged:
        key = f"encouragement:{participant.id}:{latest.isoformat()}"
        if logged_nothing(logged[participant.id]):
            # "great that you are working on it" to someone who logged nothing rings false
            session.add(
                dropped(participant.id, OutboxKind.ENCOURAGEMENT, "nothing_logged", now, key)
            )
            result.dropped += 1
            continue
        text = _encouragement_text(participant, logged[participant.id], trial)
        when = trial.protocol.next_allowed_time(latest)
        messages.append(_nudge(participant, OutboxKind.ENCOURAGEMENT, text, key, when))
    result.enqueued = await enqueue_many(session, messages, now)
    return result


def logged_nothing(logged: Ledger) -> bool:
    """Whether the person has nothing to their name: no deposit, no job-search step."""
    return logged.deposits_made() == 0 and logged.steps() == 0


def _encouragement_text(participant: Participant, logged: Ledger, trial: Trial) -> str:
    language = Language(participant.language)
    templates = trial.protocol.templates
    since = participant.consented_at
    streak = str(_streak(participant, logged, trial))
    if participant.track == Track.SAVINGS:
        values = {
            "deposits": str(logged.deposits_made()),
            "total": format_amount(logged.saved(since), language),
            "streak": streak,
        }
        return templates.render("encouragement_savings", language, values)
    values = {
        "actions": str(logged.steps(since)),
        "applications": str(logged.counted(EventKind.APPLIED, since)),
        "streak": streak,
    }
    return templates.render("encouragement_jobsearch", language, values)


def _streak(participant: Participant, logged: Ledger, trial: Trial) -> int:
    """Consecutive completed periods, counting back from the latest, that met the goal."""
    if participant.period_start is None:
        return 0
    first = participant.allocated_at or participant.consented_at
    period = trial.protocol.schedule.commitment_period
    return logged.streak(goal_of(participant), first, participant.period_start, period)


def _nudge(
    participant: Participant,
    kind: OutboxKind,
    text: str,
    intent_key: str,
    not_before: datetime,
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
    await cancel_pending_for_participant(session, participant_id, NUDGE_KINDS, reason)
