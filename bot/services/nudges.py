"""Kast-design nudges found by set-based scans: reminders for missed periods, encouragements.

Each participant row carries the start of their current commitment period and the time of their
next encouragement (RapidPro's "store the next fire time"); a scan selects the rows that are due
with one query, enqueues at most one message each under a unique intent key, and moves the
times forward past `now`. So a restart after downtime sends one reminder, not one per period
missed, and nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, OutboxStatus
from bot.db.study import IntakeStep, Participant, ParticipantStatus
from bot.i18n import Language
from bot.outbox import OutgoingMessage, enqueue
from bot.services.money import format_amount
from bot.services.periods import count_between, deposit_count, saved_between
from bot.services.trial import Trial
from experiments.protocol_sections import Component

log = logging.getLogger(__name__)

MAX_STREAK = 104  # two years of weekly periods: enough to say "a long time"
NUDGE_KINDS = ("reminder", "encouragement", "survey_invitation", "survey_reminder")


@dataclass
class ScanResult:
    due: int = 0
    enqueued: int = 0
    stale: int = 0


def _steps_past(start: datetime, now: datetime, interval: timedelta) -> int:
    return (now - start) // interval


async def scan_periods(session: AsyncSession, trial: Trial, now: datetime) -> ScanResult:
    """Close every commitment period that has ended; remind once for a missed one."""
    schedule = trial.protocol.schedule
    period = schedule.commitment_period
    reminded_arms = trial.protocol.arms_with(Component.REMINDER)
    due = await session.scalars(
        select(Participant).where(
            Participant.status == ParticipantStatus.ACTIVE,
            Participant.step == IntakeStep.DONE,
            Participant.period_start <= now - period,
        )
    )
    result = ScanResult()
    for participant in due:
        result.due += 1
        assert participant.period_start is not None
        steps = _steps_past(participant.period_start, now, period)
        last_start = participant.period_start + (steps - 1) * period
        last_end = last_start + period
        participant.period_start = last_end
        if participant.arm not in reminded_arms or participant.telegram_user_id is None:
            continue
        if now - last_end > schedule.stale_after:
            result.stale += 1
            log.info(
                "reminder skipped as stale participant=%s period_end=%s", participant.id, last_end
            )
            continue
        text = await _reminder_text(session, participant, last_start, last_end, trial)
        if text is None:
            continue
        due_at = trial.protocol.next_allowed_time(last_end + schedule.reminder_delay)
        added = await enqueue(
            session,
            _nudge(
                participant,
                "reminder",
                text,
                f"reminder:{participant.id}:{last_end.isoformat()}",
                due_at,
            ),
            now,
        )
        result.enqueued += int(added)
    return result


async def _reminder_text(
    session: AsyncSession, participant: Participant, start: datetime, end: datetime, trial: Trial
) -> str | None:
    """The reminder for a missed period, or None when the commitment was met."""
    language = Language(participant.language)
    templates = trial.protocol.templates
    if participant.track == "savings":
        saved = await saved_between(session, participant.id, start, end)
        if saved > 0:
            return None
        values = {
            "goal": format_amount(participant.commitment_cents or 0, language),
            "period_total": format_amount(saved, language),
        }
        return templates.render("reminder_savings", language.value, values)
    applied = await count_between(session, participant.id, "applied", start, end)
    goal = participant.commitment_applications or 0
    if applied >= goal:
        return None
    values = {"goal": str(goal), "period_count": str(applied)}
    return templates.render("reminder_jobsearch", language.value, values)


async def scan_encouragements(session: AsyncSession, trial: Trial, now: datetime) -> ScanResult:
    """Send each due encouragement once, with the participant's own progress."""
    schedule = trial.protocol.schedule
    arms = trial.protocol.arms_with(Component.ENCOURAGEMENT)
    due = await session.scalars(
        select(Participant).where(
            Participant.status == ParticipantStatus.ACTIVE,
            Participant.step == IntakeStep.DONE,
            Participant.next_encouragement_at <= now,
        )
    )
    result = ScanResult()
    for participant in due:
        result.due += 1
        assert participant.next_encouragement_at is not None
        moment = participant.next_encouragement_at
        steps = _steps_past(moment, now, schedule.encouragement_interval)
        latest = moment + steps * schedule.encouragement_interval
        participant.next_encouragement_at = latest + schedule.encouragement_interval
        if participant.arm not in arms or participant.telegram_user_id is None:
            continue
        if now - latest > schedule.stale_after:
            result.stale += 1
            continue
        text = await _encouragement_text(session, participant, trial)
        key = f"encouragement:{participant.id}:{latest.isoformat()}"
        message = _nudge(
            participant, "encouragement", text, key, trial.protocol.next_allowed_time(latest)
        )
        result.enqueued += int(await enqueue(session, message, now))
    return result


async def _encouragement_text(session: AsyncSession, participant: Participant, trial: Trial) -> str:
    language = Language(participant.language)
    templates = trial.protocol.templates
    since = participant.consented_at
    if participant.track == "savings":
        values = {
            "deposits": str(await deposit_count(session, participant.id)),
            "total": format_amount(await saved_between(session, participant.id, since), language),
            "streak": str(await _streak(session, participant, trial)),
        }
        return templates.render("encouragement_savings", language.value, values)
    actions = 0
    for kind in ("applied", "interview", "job", "training"):
        actions += await count_between(session, participant.id, kind, since)
    values = {
        "actions": str(actions),
        "applications": str(await count_between(session, participant.id, "applied", since)),
        "streak": str(await _streak(session, participant, trial)),
    }
    return templates.render("encouragement_jobsearch", language.value, values)


async def _streak(session: AsyncSession, participant: Participant, trial: Trial) -> int:
    """Consecutive completed periods, counting back from the latest, that met the goal."""
    period = trial.protocol.schedule.commitment_period
    first = participant.allocated_at or participant.consented_at
    end = participant.period_start
    streak = 0
    while end is not None and end - period >= first and streak < MAX_STREAK:
        start = end - period
        if participant.track == "savings":
            met = await saved_between(session, participant.id, start, end) > 0
        else:
            goal = participant.commitment_applications or 0
            met = await count_between(session, participant.id, "applied", start, end) >= goal
        if not met:
            break
        streak += 1
        end = start
    return streak


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
