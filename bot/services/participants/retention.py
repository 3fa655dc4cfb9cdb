"""Work that is kept: "do you still have this work?" at the protocol's times after a job or
training *start* (not an offer), with yes / no / something else to tap.

Logging a start plans one `RetentionCheck` per `[retention] checks` time; the scan asks each
once when due (only the latest when several fell due together, after downtime), unless the start
was taken back with ↩️ Undo. An answer is a `WORK_KEPT` event (quantity 1 for yes), so
`job_retained_<check>` is an outcome the analysis plan can name. Like follow-up invitations,
these questions go on after the intervention's end and rank highest among unsolicited messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from babel.dates import format_date
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.lasting import RetentionCheck
from bot.db.study import Event, Participant, ParticipantStatus
from bot.db.upsert import insert_if_absent
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.services import button_data
from bot.services.lasting_presses import RETAINED_ANSWERS
from bot.services.participants.nudges import ScanResult
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.records import EventKind

# what counts as a start: every training, and a job someone began (an offer is not one yet)
STARTS: Final = {
    EventKind.JOB: ("started_part_time", "started_full_time"),
    EventKind.TRAINING: ("apprenticeship", "school", "course"),
}
_CORRECTION = aliased(Event)


def is_start(kind: str, detail: str) -> bool:
    return detail in STARTS.get(EventKind(kind), ()) if kind in STARTS else False


async def plan_checks(
    session: AsyncSession, participant: Participant, dedupe_key: str, trial: Trial, now: datetime
) -> int:
    """One retention check per protocol time for the start just recorded under `dedupe_key`."""
    checks = trial.protocol.retention.checks
    start = await session.scalar(select(Event.id).where(Event.dedupe_key == dedupe_key))
    if not checks or start is None:
        return 0
    for check in checks:
        session.add(
            RetentionCheck(
                participant_id=participant.id,
                start_event_id=start,
                check_name=check.name,
                due_at=now + check.after,
            )
        )
    return len(checks)


async def scan_retention(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Ask every due retention question once (the latest per start when several are due)."""
    rows = (
        await session.execute(
            select(RetentionCheck, Participant, Event)
            .join(Participant, Participant.id == RetentionCheck.participant_id)
            .join(Event, Event.id == RetentionCheck.start_event_id)
            .where(RetentionCheck.asked_at.is_(None), RetentionCheck.due_at <= now)
            .order_by(RetentionCheck.participant_id, RetentionCheck.due_at)
            .limit(limit)
        )
    ).all()
    latest = {check.start_event_id: check.id for check, _person, _start in rows}
    corrected = set(
        await session.scalars(
            select(_CORRECTION.corrects_event_id).where(
                _CORRECTION.corrects_event_id.in_(list(latest) or [0])
            )
        )
    )
    questions = []
    for check, person, start in rows:
        check.asked_at = now  # asked, or passed over for good
        if latest[start.id] != check.id or start.id in corrected or not _reachable(person):
            continue
        questions.append(_question(check, person, start, trial))
    return ScanResult(due=len(rows), enqueued=await enqueue_many(session, questions, now))


def _reachable(person: Participant) -> bool:
    return (
        person.status is ParticipantStatus.ACTIVE
        and person.telegram_user_id is not None
        and person.unreachable_since is None
    )


def _question(
    check: RetentionCheck, person: Participant, start: Event, trial: Trial
) -> OutgoingMessage:
    assert person.telegram_user_id is not None
    language = Language(person.language)
    day = start.occurred_at.astimezone(trial.protocol.zone).date()
    when = format_date(day, "d MMMM", locale=language.locale)
    buttons = [
        button_data.button(
            text(language, f"retention.{answer}"), button_data.Retained(check.id, answer)
        )
        for answer in RETAINED_ANSWERS
    ]
    return OutgoingMessage(
        chat_id=person.telegram_user_id,
        text=text(language, f"retention.question_{start.kind}", date=when),
        kind=OutboxKind.RETENTION_QUESTION,
        intent_key=f"retention:{check.id}",
        participant_id=person.id,
        not_before=trial.protocol.next_allowed_time(check.due_at),
        buttons=[buttons],
    )


async def answer(turn: Turn, press: button_data.Retained, trial: Trial) -> None:
    """Yes, no or something else: kept once as a `WORK_KEPT` event; a button that is not this
    person's question records nothing."""
    participant = turn.participant
    check = await turn.session.get(RetentionCheck, press.check)
    if participant is None or check is None or check.participant_id != participant.id:
        await turn.say_text("button.unknown")
        return
    if check.answered_at is not None:
        await turn.say_text("button.answered")
        return
    check.answered_at = turn.now
    start = await turn.session.get(Event, check.start_event_id)
    row = {
        "participant_id": participant.id,
        "kind": EventKind.WORK_KEPT,
        "amount_cents": None,
        "quantity": 1 if press.answer == "yes" else 0,
        "detail": {
            "check": check.check_name,
            "retained": press.answer,
            "start_kind": str(start.kind) if start is not None else None,
        },
        "occurred_at": turn.now,
        "source": "telegram",
        "dedupe_key": f"work_kept:{check.id}",
        "corrects_event_id": None,
    }
    await insert_if_absent(turn.session, Event, row, ["dedupe_key"])
    if press.answer == "no":
        # work that ended is not asked about again (the later checks count it as not kept)
        await turn.session.execute(
            update(RetentionCheck)
            .where(
                RetentionCheck.start_event_id == check.start_event_id,
                RetentionCheck.asked_at.is_(None),
            )
            .values(asked_at=turn.now)
        )
    await turn.say_text(f"retention.thanks_{press.answer}")


async def forget(session: AsyncSession, participant_id: int) -> None:
    """Drop a person's retention checks (on erasure: they hold times)."""
    await session.execute(
        delete(RetentionCheck).where(RetentionCheck.participant_id == participant_id)
    )
