"""Questionnaires in chat: the next item as buttons, answers kept one by one (resumable)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant, SurveyAnswer
from bot.db.upsert import insert_if_absent
from bot.outbox import Button
from bot.services import button_data
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Item, Occasion, Track, next_item

BASELINE = "baseline"


async def _answers(session: AsyncSession, participant_id: int, wave: str) -> dict[str, int]:
    rows = await session.execute(
        select(SurveyAnswer.instrument, SurveyAnswer.item, SurveyAnswer.value).where(
            SurveyAnswer.participant_id == participant_id, SurveyAnswer.wave == wave
        )
    )
    return {f"{instrument}/{item}": value for instrument, item, value in rows}


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
        f"{instrument_id}/{item_id}"
        for instrument_id in plan.instruments_for(occasion, track)
        for item_id in plan.items_for(instrument_id, participant.age_band)
    ]
    done = sum(1 for key in asked if key in answered)
    return min(done + 1, len(asked)), len(asked)


async def ask(turn: Turn, wave: str, instrument_id: str, item: Item, trial: Trial) -> None:
    """Show one item with a button per answer, where it stands in the wave, and "later"."""
    participant = turn.participant
    assert participant is not None
    instrument = trial.protocol.questionnaires.instrument(instrument_id)
    language = turn.language
    buttons = [
        [Button(option.label(language), _answer_data(wave, instrument_id, item.id, option.value))]
        for option in instrument.answers
    ]
    buttons.append([button_data.button(turn.t("survey.later"), button_data.Later(wave))])
    number, count = await position(turn.session, participant, wave, trial)
    words = turn.t(
        "survey.item",
        instructions=instrument.instructions.text(language),
        number=number,
        count=count,
        item=item.text(language),
    )
    if wave == BASELINE and number == 1:  # the baseline begins: what is coming, in one line
        words = f"{turn.plural('intake.baseline_intro', count)}\n\n{words}"
    await turn.say(words, buttons=buttons)


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
    if item_id not in instrument.item_ids or value not in {a.value for a in instrument.answers}:
        return False
    await insert_if_absent(
        turn.session,
        SurveyAnswer,
        {
            "participant_id": participant.id,
            "wave": wave,
            "instrument": instrument_id,
            "item": item_id,
            "value": value,
            "answered_at": turn.now,
        },
        ["participant_id", "wave", "instrument", "item"],
    )
    return True
