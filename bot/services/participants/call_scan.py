"""Follow-up calls, the draw: which non-responders of a wave a person follows up.

A call task planned after a wave's last automated reminder (bot.services.counsellor_inbox.calls)
falls due `[follow_up_calls] after` it. Then, if the wave is still unfinished, the person is a
non-responder: the seeded draw (experiments.allocation.call_draws) is logged on the task, and a
draw below the protocol's share opens the task for a staff member (double sampling). A wave
finished before the draw makes no draw; a person who stopped or was erased is not followed up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.calls import CallStatus, CallTask
from bot.db.study import Participant, ParticipantStatus
from bot.services.counsellor_inbox import calls
from bot.services.participants import questionnaire
from bot.services.participants.nudges import ScanResult
from bot.services.participants.surveys import wave_name
from bot.services.trial import Trial
from experiments.allocation.call_draws import LoggedCallDraw, call_draw, call_key, chosen

__all__ = ["call_draws", "scan_calls"]


async def scan_calls(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Draw every due call task; open those chosen. At most `limit` tasks at a time."""
    result = ScanResult()
    protocol = trial.protocol.follow_up_calls
    due = list(
        await session.scalars(
            select(CallTask)
            .where(CallTask.status == CallStatus.PENDING, CallTask.due_at <= now)
            .order_by(CallTask.due_at, CallTask.id)
            .limit(limit)
        )
    )
    key = call_key(trial.allocation_seed) if due else b""
    for task in due:
        result.due += 1
        participant = await session.get(Participant, task.participant_id)
        if (
            protocol is None
            or participant is None
            or participant.telegram_user_id is None
            or participant.status is ParticipantStatus.WITHDRAWN
        ):
            task.status = CallStatus.CLOSED
            continue
        unfinished = await questionnaire.next_question(
            session, participant, wave_name(task.wave), trial
        )
        if unfinished is None:
            task.status = CallStatus.RESPONDED
            continue
        task.drawn_at, task.share = now, protocol.share
        task.draw = call_draw(key, participant.id, task.wave)
        task.selected = chosen(task.draw, protocol.share)
        if not task.selected:
            task.status = CallStatus.NOT_CHOSEN
            continue
        await calls.open_task(session, task, participant, trial, now)
        result.enqueued += 1
    return result


async def call_draws(session: AsyncSession) -> list[LoggedCallDraw]:
    """Every logged draw, for `lotgenoot study verify` to recompute from the seed."""
    rows = await session.execute(
        select(
            CallTask.participant_id, CallTask.wave, CallTask.draw, CallTask.share, CallTask.selected
        )
        .where(CallTask.draw.is_not(None))
        .order_by(CallTask.id)
    )
    return [
        LoggedCallDraw(pid, wave, float(draw or 0), float(share or 0), bool(selected))
        for pid, wave, draw, share, selected in rows
    ]
