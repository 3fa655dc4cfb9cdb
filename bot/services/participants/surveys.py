"""Follow-up questionnaires: invitations at the protocol's times, reminders, answering by buttons.

Measurement is the same in every arm, so every active participant is invited; like all nudges,
invitations wait out quiet hours and skip paused and withdrawn people. The waves are the
protocol's `survey_times` after allocation, then its `follow_up_times` after the end of the
intervention (`wave_times`): those come after nudges have stopped.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant, ParticipantStatus
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue, enqueue_many
from bot.services import button_data
from bot.services.counsellor_inbox.calls import plan_call
from bot.services.participants import questionnaire
from bot.services.participants.nudges import ScanResult, due_participants
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Track, wave_times

ITEMS_PER_MINUTE = 4


def wave_name(wave: int) -> str:
    return f"followup-{wave}"


def schedule_first(participant: Participant, trial: Trial) -> None:
    """Plan the first follow-up from the moment of allocation."""
    times = wave_times(trial.protocol.schedule)
    if times and participant.allocated_at is not None:
        participant.next_survey_wave = 1
        participant.next_survey_at = participant.allocated_at + times[0]


def _item_count(participant: Participant, trial: Trial) -> int:
    plan = trial.protocol.questionnaires
    track = participant.track or Track.JOBSEARCH
    return sum(
        len(plan.items_for(instrument, participant.age_band))
        for instrument in plan.instruments_for("follow_up", track)
    )


def _invitation(
    participant: Participant, trial: Trial, kind: OutboxKind, key: str, at: datetime
) -> OutgoingMessage:
    assert participant.telegram_user_id is not None
    language = Language(participant.language)
    questions = _item_count(participant, trial)
    values = {
        "questions": str(questions),
        "minutes": str(max(1, math.ceil(questions / ITEMS_PER_MINUTE))),
    }
    words = trial.protocol.templates.render(kind, language, values)
    return OutgoingMessage(
        chat_id=participant.telegram_user_id,
        text=words,
        kind=kind,
        intent_key=key,
        participant_id=participant.id,
        not_before=trial.protocol.next_allowed_time(at),
        buttons=[
            [
                button_data.button(
                    text(language, "survey.start_button"), button_data.ContinueSurvey()
                )
            ]
        ],
    )


async def scan_surveys(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Invite everyone whose next follow-up is due, and remind those who have not finished.

    At most `limit` invitations and `limit` reminders at a time (the scheduler commits chunks).
    """
    schedule = trial.protocol.schedule
    result = ScanResult()
    due = await due_participants(session, Participant.next_survey_at <= now, limit)
    invitations = []
    for participant in due:
        result.due += 1
        wave, at = participant.next_survey_wave or 1, participant.next_survey_at
        assert at is not None
        assert participant.allocated_at is not None
        participant.open_survey_wave = wave
        # the reminder counts from when the invitation goes out, which is later than the wave's
        # due time after a pause or downtime: never an invitation and its reminder together
        invited_at = trial.protocol.next_allowed_time(max(at, now))
        participant.survey_reminder_at = invited_at + schedule.survey_reminder_after
        participant.survey_reminders_left = schedule.survey_reminders
        if schedule.survey_reminders == 0:  # no reminder: the invitation is the last message
            await plan_call(session, participant, wave, invited_at, trial)
        following, times = wave + 1, wave_times(schedule)
        if following <= len(times):
            participant.next_survey_wave = following
            participant.next_survey_at = participant.allocated_at + times[following - 1]
        else:
            participant.next_survey_wave = participant.next_survey_at = None
        if participant.telegram_user_id is None:
            continue
        key = f"survey_invitation:{participant.id}:{wave}"
        invitations.append(_invitation(participant, trial, OutboxKind.SURVEY_INVITATION, key, at))
    result.enqueued += await enqueue_many(session, invitations, now)
    reminders = await session.scalars(
        select(Participant)
        .where(
            Participant.status == ParticipantStatus.ACTIVE,
            Participant.survey_reminder_at <= now,
        )
        .order_by(Participant.id)
        .limit(limit)
    )
    for participant in reminders:
        result.due += 1
        open_wave, at = participant.open_survey_wave, participant.survey_reminder_at
        assert at is not None
        done = (
            open_wave is None
            or await questionnaire.next_question(session, participant, wave_name(open_wave), trial)
            is None
        )
        left = participant.survey_reminders_left - 1
        participant.survey_reminders_left = max(0, left)
        participant.survey_reminder_at = at + schedule.survey_reminder_after if left > 0 else None
        if done or participant.telegram_user_id is None or left < 0:
            continue
        if left == 0 and open_wave is not None:  # the last reminder: then a person, maybe
            await plan_call(session, participant, open_wave, at, trial)
        key = f"survey_reminder:{participant.id}:{open_wave}:{left}"
        result.enqueued += int(
            await enqueue(
                session, _invitation(participant, trial, OutboxKind.SURVEY_REMINDER, key, at), now
            )
        )
    return result


async def continue_survey(turn: Turn, trial: Trial) -> None:
    """/survey or the invitation's button: the next unanswered item of the open follow-up."""
    participant = turn.participant
    wave = participant.open_survey_wave if participant is not None else None
    if participant is None or wave is None:
        await turn.say_text("survey.none")
        return
    question = await questionnaire.next_question(turn.session, participant, wave_name(wave), trial)
    if question is None:
        participant.open_survey_wave = None
        participant.survey_reminder_at = None
        await turn.say_text("survey.thanks")
        return
    await questionnaire.ask(turn, wave_name(wave), *question, trial)


async def tick(
    turn: Turn, wave: str, instrument_id: str, item_id: str, selection: int, trial: Trial
) -> None:
    """A tick on a multiple-choice follow-up question (of the open wave only): shown again."""
    participant = turn.participant
    if participant is None or participant.open_survey_wave is None:
        await turn.say_text("survey.none")
        return
    if wave != wave_name(participant.open_survey_wave) or not await questionnaire.toggle(
        turn, wave, instrument_id, item_id, selection, trial
    ):
        await turn.say_text("button.answered")
        await continue_survey(turn, trial)


async def typed_answer(turn: Turn, words: str, trial: Trial) -> bool:
    """A bare number typed while the open follow-up asks a number to type: kept (or a friendly
    retry); False for any other text, which is then read as everyday words."""
    participant = turn.participant
    wave = participant.open_survey_wave if participant is not None else None
    if wave is None or questionnaire.typed_number(words) is None:
        return False
    answered = await questionnaire.answer_typed(turn, wave_name(wave), words, trial)
    if answered is None:
        return False
    if answered:
        await continue_survey(turn, trial)
    return True


async def answer(
    turn: Turn, wave: str, instrument_id: str, item_id: str, value: int, trial: Trial
) -> None:
    """Keep a follow-up answer (only for the wave that is open), then ask the next item."""
    participant = turn.participant
    if participant is None or participant.open_survey_wave is None:
        await turn.say_text("survey.none")
        return
    if wave != wave_name(participant.open_survey_wave) or not await questionnaire.record_if_asked(
        turn, wave, instrument_id, item_id, value, trial
    ):
        await turn.say_text("button.answered")
    await continue_survey(turn, trial)
