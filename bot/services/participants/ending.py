"""The end of a person's intervention (SPEC §11.3): `schedule.intervention_length` after their
allocation.

From that moment the scans queue no reminder, encouragement or micro-randomized nudge for them
(`bot.services.intervention`), and the counsellor inbox is closed to them (menu and /ask). This
scan marks the end once (`participants.ended_at`, an `INTERVENTION_ENDED` event at the moment it
ended), withdraws private nudges still waiting in the outbox, and tells the person plainly, once,
what continues: the follow-up questions, and logging if they like; and how to stop. Follow-up
invitations, retention questions and logging go on after it, so persistence can be measured.
Groups close by their own cycle, not here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus
from bot.db.upsert import insert_if_absent
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.store import cancel_pending_for_participant
from bot.services import button_data
from bot.services.counsellor_inbox.tickets import has_contact
from bot.services.participants.nudges import ScanResult
from bot.services.trial import Trial
from experiments.records import EventKind

# private nudges that stop at the end (follow-up invitations and their reminders do not)
STOPPED_KINDS = (
    OutboxKind.REMINDER,
    OutboxKind.ENCOURAGEMENT,
    OutboxKind.PROMPT,
    OutboxKind.PRIVATE_TOPIC,
)


async def scan_endings(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Mark every intervention that has ended by `now`, and tell each person once."""
    length = trial.protocol.schedule.intervention_length
    if length is None:
        return ScanResult()
    ended = (
        await session.scalars(
            select(Participant)
            .where(
                Participant.step == IntakeStep.DONE,
                Participant.status != ParticipantStatus.ERASED,
                Participant.ended_at.is_(None),
                Participant.allocated_at <= now - length,
            )
            .order_by(Participant.id)
            .limit(limit)
        )
    ).all()
    result, notices = ScanResult(due=len(ended)), []
    for participant in ended:
        assert participant.allocated_at is not None
        end = participant.ended_at = participant.allocated_at + length
        await _record(session, participant, end)
        await cancel_pending_for_participant(session, participant.id, STOPPED_KINDS, "ended")
        if _told(participant):
            notices.append(_notice(participant, trial, end))
    result.enqueued = await enqueue_many(session, notices, now)
    return result


def _told(participant: Participant) -> bool:
    """Whether the notice reaches them: not after /pause or /stop, nor when unreachable."""
    return (
        participant.status is ParticipantStatus.ACTIVE
        and participant.telegram_user_id is not None
        and participant.unreachable_since is None
    )


def _notice(participant: Participant, trial: Trial, end: datetime) -> OutgoingMessage:
    assert participant.telegram_user_id is not None
    language = Language(participant.language)
    counsellor = text(language, "ending.no_counsellor") if has_contact(participant, trial) else ""
    stop = button_data.button(text(language, "shortcut.stop"), button_data.Shortcut("stop"))
    return OutgoingMessage(
        chat_id=participant.telegram_user_id,
        text=text(language, "ending.notice", counsellor=counsellor),
        kind=OutboxKind.INTERVENTION_END,
        intent_key=f"intervention_end:{participant.id}",
        participant_id=participant.id,
        not_before=trial.protocol.next_allowed_time(end),
        buttons=[[stop]],
    )


async def _record(session: AsyncSession, participant: Participant, end: datetime) -> None:
    row = {
        "participant_id": participant.id,
        "kind": EventKind.INTERVENTION_ENDED,
        "amount_cents": None,
        "quantity": None,
        "detail": {},
        "occurred_at": end,
        "source": "schedule",
        "dedupe_key": f"intervention_ended:{participant.id}",
        "corrects_event_id": None,
    }
    await insert_if_absent(session, Event, row, ["dedupe_key"])
