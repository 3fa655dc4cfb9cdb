"""Questionnaires in chat: the next item as buttons, answers kept one by one (resumable)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant, SurveyAnswer
from bot.db.upsert import insert_if_absent
from bot.outbox import Button
from bot.services import button_data
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import PREFER_NOT_TO_SAY, Item, Occasion, Track, next_item

BASELINE = "baseline"


# A press on an answer reads the wave's answers three times (is this the open question, which
# one is next, where does it stand): they are read once per transaction and kept in the
# session's `info`, which ends with it. `keep_answer` and `delete_answers` keep it true.
_READ = "survey_answers_read"


def _read(session: AsyncSession) -> dict[tuple[int, str], dict[str, int]]:
    read: dict[tuple[int, str], dict[str, int]] = session.info.setdefault(_READ, {})
    return read


async def _answers(session: AsyncSession, participant_id: int, wave: str) -> Mapping[str, int]:
    read = _read(session)
    if (participant_id, wave) not in read:
        rows = await session.execute(
            select(SurveyAnswer.instrument, SurveyAnswer.item, SurveyAnswer.value).where(
                SurveyAnswer.participant_id == participant_id, SurveyAnswer.wave == wave
            )
        )
        read[participant_id, wave] = {_key(i, item): value for i, item, value in rows}
    return read[participant_id, wave]


def _key(instrument_id: str, item_id: str) -> str:
    return f"{instrument_id}/{item_id}"


async def next_question(
    session: AsyncSession, participant: Participant, wave: str, trial: Trial
) -> tuple[str, Item] | None:
    """The first unanswered (instrument, item) of this wave, or None when it is complete."""
    plan = trial.protocol.questionnaires
    occasion: Occasion = "baseline" if wave == BASELINE else "follow_up"
    track = participant.track or Track.JOBSEARCH
    answered = await _answers(session, participant.id, wave)
    for instrument_id in plan.instruments_for(occasion, track):
        instrument = plan.instrument(instrument_id)
        mine = {
            key.split("/", 1)[1]: value
            for key, value in answered.items()
            if key.startswith(f"{instrument_id}/")
        }
        item = next_item(instrument, mine, plan.items_for(instrument_id, participant.age_band))
        if item is not None:
            return instrument_id, item
    return None


async def position(
    session: AsyncSession, participant: Participant, wave: str, trial: Trial
) -> tuple[int, int]:
    """(number of the next question, questions in the whole wave) for this participant: the
    progress a person sees is across every instrument of the wave, not within one."""
    plan = trial.protocol.questionnaires
    occasion: Occasion = "baseline" if wave == BASELINE else "follow_up"
    track = participant.track or Track.JOBSEARCH
    answered = await _answers(session, participant.id, wave)
    asked = [
        _key(instrument_id, item_id)
        for instrument_id in plan.instruments_for(occasion, track)
        for item_id in plan.items_for(instrument_id, participant.age_band)
    ]
    done = sum(1 for key in asked if key in answered)
    return min(done + 1, len(asked)), len(asked)


async def ask(
    turn: Turn, wave: str, instrument_id: str, item: Item, trial: Trial, selection: int = 0
) -> None:
    """Show one item as its type asks (buttons, ticks and "done", or a number to type), where it
    stands in the wave, and "later"."""
    words, buttons = await _question(turn, wave, instrument_id, item, trial, selection)
    await turn.say(words, buttons=buttons)


async def _question(
    turn: Turn, wave: str, instrument_id: str, item: Item, trial: Trial, selection: int
) -> tuple[str, list[list[Button]]]:
    participant = turn.participant
    assert participant is not None
    instrument = trial.protocol.questionnaires.instrument(instrument_id)
    language = turn.language
    number, count = await position(turn.session, participant, wave, trial)
    words = turn.t(
        "survey.item",
        instructions=instrument.instructions.text(language),
        number=number,
        count=count,
        item=item.text(language),
    )
    if item.type == "multiple":
        words = f"{words}\n\n{turn.t('survey.tick_all')}"
    elif item.typed:
        words = f"{words}\n\n{turn.t('survey.type_number', low=item.min, high=item.max)}"
    if wave == BASELINE and number == 1:  # the baseline begins: what is coming, in one line
        words = f"{turn.plural('intake.baseline_intro', count)}\n\n{words}"
    return words, item_buttons(turn, wave, instrument_id, item, trial, selection)


def item_buttons(
    turn: Turn, wave: str, instrument_id: str, item: Item, trial: Trial, selection: int = 0
) -> list[list[Button]]:
    """The buttons under an item: an answer per option (ticks and "done" for multiple choice,
    numbers side by side), "prefer not to say" where the item offers it, and "later"."""
    instrument = trial.protocol.questionnaires.instrument(instrument_id)
    language = turn.language
    options = instrument.options(item)
    rows: list[list[Button]]
    if item.type == "multiple":
        rows = [
            [
                button_data.button(
                    f"{'✅' if selection >> o.value & 1 else '⬜'} {o.label(language)}",
                    button_data.Toggle(wave, instrument_id, item.id, selection ^ (1 << o.value)),
                )
            ]
            for o in options
        ]
        done = _answer_data(wave, instrument_id, item.id, selection)
        rows.append([Button(turn.t("survey.done"), done)])
    elif item.type == "number":
        cells = [
            Button(o.label(language), _answer_data(wave, instrument_id, item.id, o.value))
            for o in options
        ]
        rows = [cells[start : start + 6] for start in range(0, len(cells), 6)]  # side by side
    else:
        rows = [
            [Button(o.label(language), _answer_data(wave, instrument_id, item.id, o.value))]
            for o in options
        ]
    if item.prefer_not_to_say:
        refuse = _answer_data(wave, instrument_id, item.id, PREFER_NOT_TO_SAY)
        rows.append([Button(turn.t("survey.prefer_not"), refuse)])
    rows.append([button_data.button(turn.t("survey.later"), button_data.Later(wave))])
    return rows


async def toggle(
    turn: Turn, wave: str, instrument_id: str, item_id: str, selection: int, trial: Trial
) -> bool:
    """Tick or untick an option of the multiple-choice item this wave asks next: the question
    is shown again with its ticks; False (nothing shown) for any other item or selection."""
    participant = turn.participant
    assert participant is not None
    question = await next_question(turn.session, participant, wave, trial)
    if question is None or (question[0], question[1].id) != (instrument_id, item_id):
        return False
    item = question[1]
    instrument = trial.protocol.questionnaires.instrument(instrument_id)
    if item.type != "multiple" or not instrument.accepts(item, selection):
        return False
    words, buttons = await _question(turn, wave, instrument_id, item, trial, selection)
    await turn.update_question(words, buttons)
    return True


async def answer_typed(turn: Turn, wave: str, words: str, trial: Trial) -> bool | None:
    """A typed number for the number item this wave asks next: kept (True), or a friendly
    retry message when it is no number in the item's range (False); None when the open
    question is not one to type."""
    participant = turn.participant
    assert participant is not None
    question = await next_question(turn.session, participant, wave, trial)
    if question is None or not question[1].typed:
        return None
    instrument_id, item = question
    value = typed_number(words)
    if value is None or not item.accepts_value(value):  # "prefer not to say" is a button
        assert item.min is not None
        assert item.max is not None
        example = (item.min + item.max) // 2
        await turn.say_text("survey.number_invalid", low=item.min, high=item.max, example=example)
        return False
    return await record_answer(turn, wave, instrument_id, item.id, value, trial)


def typed_number(words: str) -> int | None:
    """A whole number as typed ("3", " 12 ", "-2"), or None for anything else."""
    stripped = words.strip()
    if not re.fullmatch(r"-?[0-9]{1,6}", stripped):
        return None
    return int(stripped)


async def later(turn: Turn, wave: str) -> None:
    """ "Later": the questions wait; one button goes on with them."""
    go_on = button_data.button(turn.t("survey.go_on"), button_data.GoOn(wave))
    await turn.say_text("survey.paused", buttons=[[go_on]])


def _answer_data(wave: str, instrument_id: str, item_id: str, value: int) -> str:
    return button_data.encode(button_data.Answer(wave, instrument_id, item_id, value))


async def record_if_asked(
    turn: Turn, wave: str, instrument_id: str, item_id: str, value: int, trial: Trial
) -> bool:
    """Keep an answer to the item this wave asks next; False (nothing kept) for any other.

    A button of an item answered before, of an instrument not in the participant's plan or of
    one that does not exist, or an item ahead of its turn, is not the question that is open.
    """
    participant = turn.participant
    assert participant is not None
    question = await next_question(turn.session, participant, wave, trial)
    if question is None or (question[0], question[1].id) != (instrument_id, item_id):
        return False
    return await record_answer(turn, wave, instrument_id, item_id, value, trial)


async def record_answer(
    turn: Turn, wave: str, instrument_id: str, item_id: str, value: int, trial: Trial
) -> bool:
    """Keep one answer; False when the answer is not one the item offers."""
    participant = turn.participant
    assert participant is not None
    instrument = trial.protocol.questionnaires.instrument(instrument_id)
    item = instrument.item_by_id.get(item_id)
    if item is None or not instrument.accepts(item, value):
        return False
    if item.type == "multiple":  # the closed question shows what was ticked
        ticked = [o.label(turn.language) for o in instrument.options(item) if value >> o.value & 1]
        turn.choice_label = (
            turn.t("survey.prefer_not")
            if value == PREFER_NOT_TO_SAY
            else ", ".join(ticked) or turn.t("survey.none_ticked")
        )
    await keep_answer(turn.session, participant.id, wave, instrument_id, item_id, value, turn.now)
    return True


async def keep_answer(
    session: AsyncSession,
    participant_id: int,
    wave: str,
    instrument_id: str,
    item_id: str,
    value: int,
    now: datetime,
    *,
    mode: str = "self",
) -> bool:
    """Store one answer unless the item already has one in this wave (whoever gave it): True
    when stored. `mode` says who collected it: the person (self) or staff on a follow-up call."""
    row = {
        "participant_id": participant_id,
        "wave": wave,
        "instrument": instrument_id,
        "item": item_id,
        "value": value,
        "answered_at": now,
        "mode": mode,
    }
    stored = await insert_if_absent(
        session, SurveyAnswer, row, ["participant_id", "wave", "instrument", "item"]
    )
    read = _read(session)
    if (participant_id, wave) in read:
        if stored:
            read[participant_id, wave][_key(instrument_id, item_id)] = value
        else:  # someone else's answer came first: read the wave again
            del read[participant_id, wave]
    return stored


async def delete_answers(session: AsyncSession, participant_id: int) -> None:
    """Delete every answer a participant gave (erasure)."""
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.participant_id == participant_id))
    for key in [key for key in _read(session) if key[0] == participant_id]:
        del _read(session)[key]
