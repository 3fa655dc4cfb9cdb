"""/call <task> <answers>: the staff member who followed up a non-responder enters the answers.

The answers come in the order the task listed the questions, one per question ("-" skips one;
a multiple-choice answer is its options joined by "+", e.g. 1+3). They are kept as the wave's
answers with mode `staff` (a person's own answers are `self`), the task is done and its ticket
closed. Only the staff member holding the task, or an admin, may enter them; answers the person
gave themselves are never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.calls import CallStatus, CallTask
from bot.db.study import Participant, Role
from bot.db.tickets import Ticket, TicketStatus
from bot.services.counsellor_inbox.calls import call_questions
from bot.services.counsellor_inbox.desk import may_act_as
from bot.services.participants.questionnaire import keep_answer
from bot.services.participants.surveys import wave_name
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import PREFER_NOT_TO_SAY, Item

__all__ = ["CALL_STAFF", "STAFF_MODE", "enter_answers", "parse_answer"]

CALL_STAFF = (Role.ASSISTANT, Role.COUNSELLOR, Role.ADMIN)
STAFF_MODE = "staff"
SKIP = "-"


def parse_answer(word: str, item: Item) -> int | None:
    """One typed answer as stored: a number, `x` for "prefer not to say", options joined by
    "+" for multiple choice; None when it is none of those."""
    if word.lower() == "x":
        return PREFER_NOT_TO_SAY
    parts = word.split("+") if item.type == "multiple" else [word]
    if not all(p.lstrip("-").isdigit() for p in parts):
        return None
    if item.type == "multiple":
        return sum(1 << int(p) for p in set(parts))
    return int(parts[0])


async def enter_answers(turn: Turn, trial: Trial, args: Sequence[str]) -> None:
    """/call <task> <answer> <answer> …: keep the answers as the wave's, marked `staff`."""
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        await turn.say_text("calls.usage")
        return
    task = await turn.session.get(CallTask, int(args[0].lstrip("#")))
    if task is None or task.status not in (CallStatus.OPEN, CallStatus.ENTERED):
        await turn.say_text("calls.no_task", task=args[0])
        return
    if not await may_act_as(turn, task.staff_id):
        await turn.say_text("calls.not_yours", task=task.id)
        return
    participant = await turn.session.get(Participant, task.participant_id)
    if participant is None or participant.erased_at is not None:
        await turn.say_text("inbox.participant_gone", ticket=task.ticket_id or 0)
        return
    questions = call_questions(participant, trial)
    words = list(args[1:])
    if len(words) != len(questions):
        await turn.say_text("calls.count", task=task.id, expected=len(questions), got=len(words))
        return
    values: list[tuple[str, str, int]] = []
    for number, ((instrument_id, item), word) in enumerate(zip(questions, words, strict=True), 1):
        if word == SKIP:
            continue
        value = parse_answer(word, item)
        instrument = trial.protocol.questionnaires.instrument(instrument_id)
        if value is None or not instrument.accepts(item, value):
            await turn.say_text("calls.invalid", number=number, answer=word)
            return
        values.append((instrument_id, item.id, value))
    wave = wave_name(task.wave)
    kept = 0
    for instrument_id, item_id, value in values:
        stored = await keep_answer(
            turn.session,
            participant.id,
            wave,
            instrument_id,
            item_id,
            value,
            turn.now,
            mode=STAFF_MODE,
        )
        kept += int(stored)
    task.status, task.entered_at = CallStatus.ENTERED, turn.now
    if participant.open_survey_wave == task.wave:  # no more reminders for this wave
        participant.open_survey_wave = participant.survey_reminder_at = None
    ticket = await turn.session.get(Ticket, task.ticket_id) if task.ticket_id else None
    if ticket is not None and ticket.status is not TicketStatus.CLOSED:
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, turn.now
    await turn.say_text("calls.entered", task=task.id, count=kept)
