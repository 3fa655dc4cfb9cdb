"""Follow-up questionnaires at service level: the scan invites when a wave is due (FakeClock),
answering by buttons through the runner, one reminder for an unfinished wave, and nothing more
once it is done."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import SurveyAnswer
from bot.i18n import Language
from bot.services.participants import participation
from bot.services.participants.surveys import scan_surveys
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.protocol import Track
from tests.services.conftest import Person, Said, enroll, nl, participant_of

WAVE_1 = "followup-1"


async def _scan(database: Database, trial: Trial, clock: FakeClock) -> int:
    async with database.transaction() as session:
        result = await scan_surveys(session, trial, clock.now())
    return result.enqueued


async def _sent(
    database: Database, kind: str
) -> list[tuple[str, int | None, datetime, dict[str, Any]]]:
    async with database.snapshot() as session:
        rows = await session.execute(
            select(
                OutboxMessage.intent_key,
                OutboxMessage.chat_id,
                OutboxMessage.not_before,
                OutboxMessage.payload,
            )
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
        return [(key, chat, at, payload) for key, chat, at, payload in rows]


def _items(trial: Trial, track: Track = Track.SAVINGS, age_band: str = "26-35") -> int:
    plan = trial.protocol.questionnaires
    return sum(
        len(plan.items_for(instrument, age_band))
        for instrument in plan.instruments_for("follow_up", track)
    )


async def _answers(database: Database, wave: str) -> int:
    async with database.snapshot() as session:
        return len(
            list(await session.scalars(select(SurveyAnswer).where(SurveyAnswer.wave == wave)))
        )


async def _answer(person: Person, how_many: int | None = None) -> Said:
    """Open the survey and tap the first answer `how_many` times (None: to the end)."""
    question = (await person.press("survey:go"))[-1]
    while question.buttons and (how_many is None or how_many > 0):
        question = (await person.press(question.buttons[0]))[-1]
        how_many = None if how_many is None else how_many - 1
    return question


async def _invited(
    person: Person, runner: TurnRunner, database: Database, trial: Trial, clock: FakeClock
) -> datetime:
    """Enroll, move the clock to the first follow-up and scan; the moment it was due."""
    await enroll(person, runner)
    due = clock.now() + trial.protocol.schedule.survey_times[0]
    clock.set(due)
    assert await _scan(database, trial, clock) == 1
    return due


async def test_no_invitation_before_the_first_follow_up_is_due(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await enroll(person, runner)
    clock.advance(trial.protocol.schedule.survey_times[0] - timedelta(seconds=1))
    assert await _scan(database, trial, clock) == 0
    assert await _sent(database, "survey_invitation") == []
    assert (await participant_of(person)).open_survey_wave is None


async def test_the_due_invitation_says_how_many_questions_and_offers_a_start_button(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    enrolled_at = clock.now()
    due = await _invited(person, runner, database, trial, clock)
    participant = await participant_of(person)
    questions = _items(trial)
    [(key, chat, not_before, payload)] = await _sent(database, "survey_invitation")
    assert key == f"survey_invitation:{participant.id}:1"
    assert chat == person.user_id
    assert not_before == trial.protocol.next_allowed_time(due)
    values = {"questions": str(questions), "minutes": str(math.ceil(questions / 4))}
    assert payload["text"] == trial.protocol.templates.render(
        "survey_invitation", Language.NL, values
    )
    [[button]] = payload["reply_markup"]["inline_keyboard"]
    assert (button["text"], button["callback_data"]) == (nl("survey.start_button"), "survey:go")
    schedule = trial.protocol.schedule
    assert participant.open_survey_wave == 1
    assert participant.next_survey_wave == 2
    assert participant.next_survey_at == enrolled_at + schedule.survey_times[1]
    assert participant.survey_reminder_at == due + schedule.survey_reminder_after
    assert participant.survey_reminders_left == schedule.survey_reminders
    assert await _scan(database, trial, clock) == 0, "scanning again invites no one twice"
    assert len(await _sent(database, "survey_invitation")) == 1


async def test_an_invitation_due_at_night_waits_for_the_morning(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 5, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
    await _invited(person, runner, database, trial, clock)
    [(_key, _chat, not_before, _payload)] = await _sent(database, "survey_invitation")
    assert not_before == datetime(2026, 2, 17, 8, 0, tzinfo=UTC)  # 09:00 the next morning


async def test_answering_every_item_stores_the_wave_and_thanks(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _invited(person, runner, database, trial, clock)
    [first] = await person.press("survey:go")
    assert first.buttons[0].startswith(f"q:{WAVE_1}:gse:gse1:")
    last = await _answer(person)
    assert last.text == nl("survey.thanks")
    assert await _answers(database, WAVE_1) == _items(trial)
    participant = await participant_of(person)
    assert participant.open_survey_wave is None
    assert participant.survey_reminder_at is None
    [reply] = await person.press("survey:go")
    assert reply.text == nl("survey.none")


async def test_a_stale_answer_button_after_the_wave_is_done_stores_nothing(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _invited(person, runner, database, trial, clock)
    [first] = await person.press("survey:go")
    await _answer(person)
    answer = [data for data in first.buttons if data.startswith("q:")][-1]
    said = await person.press(answer)
    assert said[-1].text == nl("survey.none")
    async with database.snapshot() as session:
        values = set(
            await session.scalars(
                select(SurveyAnswer.value).where(
                    SurveyAnswer.wave == WAVE_1, SurveyAnswer.item == "gse1"
                )
            )
        )
    assert values == {int(first.buttons[0].rsplit(":", 1)[1])}


async def test_an_answer_for_a_wave_that_is_not_open_is_not_stored(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _invited(person, runner, database, trial, clock)
    said = await person.press("q:followup-2:gse:gse1:3")
    assert said[0].text == nl("button.answered")
    assert said[-1].buttons[0].startswith(f"q:{WAVE_1}:gse:gse1:"), "the open question instead"
    assert await _answers(database, "followup-2") == 0


async def test_survey_with_nothing_open_says_so(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner)
    [reply] = await person.press("survey:go")
    assert reply.text == nl("survey.none")
    [reply] = await person.press("q:followup-1:gse:gse1:3")
    assert reply.text == nl("survey.none")


async def test_an_unfinished_wave_gets_one_reminder_only(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    due = await _invited(person, runner, database, trial, clock)
    schedule = trial.protocol.schedule
    clock.set(due + schedule.survey_reminder_after - timedelta(seconds=1))
    assert await _scan(database, trial, clock) == 0
    clock.set(due + schedule.survey_reminder_after)
    assert await _scan(database, trial, clock) == 1
    [(_key, chat, _at, payload)] = await _sent(database, "survey_reminder")
    questions = _items(trial)
    values = {"questions": str(questions), "minutes": str(math.ceil(questions / 4))}
    assert payload["text"] == trial.protocol.templates.render(
        "survey_reminder", Language.NL, values
    )
    assert chat == person.user_id
    after = await participant_of(person)
    assert (after.survey_reminder_at, after.survey_reminders_left) == (None, 0), "none planned"
    for days in (0, 3, 6, 30):
        clock.set(due + schedule.survey_reminder_after + timedelta(days=days))
        await _scan(database, trial, clock)
    assert len(await _sent(database, "survey_reminder")) == schedule.survey_reminders == 1


async def test_a_half_answered_wave_is_reminded_and_resumes_where_it_stopped(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    due = await _invited(person, runner, database, trial, clock)
    await _answer(person, 2)
    clock.set(due + trial.protocol.schedule.survey_reminder_after)
    assert await _scan(database, trial, clock) == 1
    [question] = await person.press("survey:go")
    assert question.buttons[0].startswith(f"q:{WAVE_1}:gse:gse3:")
    assert await _answers(database, WAVE_1) == 2


async def test_no_reminder_after_the_wave_is_done(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    due = await _invited(person, runner, database, trial, clock)
    await _answer(person)
    clock.set(due + trial.protocol.schedule.survey_reminder_after)
    assert await _scan(database, trial, clock) == 0
    assert await _sent(database, "survey_reminder") == []


async def test_no_reminder_after_stop(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    due = await _invited(person, runner, database, trial, clock)
    await person.run(participation.stop)
    clock.set(due + trial.protocol.schedule.survey_reminder_after)
    assert await _scan(database, trial, clock) == 0
    assert await _sent(database, "survey_reminder") == []


async def test_a_paused_participant_is_invited_only_after_resuming(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    await enroll(person, runner)
    await person.run(participation.pause)
    clock.advance(trial.protocol.schedule.survey_times[0])
    assert await _scan(database, trial, clock) == 0
    await person.run(lambda turn, trial: participation.resume(turn, trial))
    assert await _scan(database, trial, clock) == 1
    assert (await participant_of(person)).open_survey_wave == 1


async def test_the_second_wave_is_invited_at_its_own_time_and_is_the_last(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    enrolled_at = clock.now()
    await _invited(person, runner, database, trial, clock)
    await _answer(person)
    clock.set(enrolled_at + trial.protocol.schedule.survey_times[1])
    assert await _scan(database, trial, clock) == 1
    participant = await participant_of(person)
    assert [key for key, *_ in await _sent(database, "survey_invitation")] == [
        f"survey_invitation:{participant.id}:1",
        f"survey_invitation:{participant.id}:2",
    ]
    assert participant.open_survey_wave == 2
    assert (participant.next_survey_wave, participant.next_survey_at) == (None, None)
    [question] = await person.press("survey:go")
    assert question.buttons[0].startswith("q:followup-2:gse:gse1:")
    clock.advance(timedelta(days=365))
    await _scan(database, trial, clock)
    assert len(await _sent(database, "survey_invitation")) == 2


async def test_an_invitation_sent_late_is_not_followed_by_a_reminder_in_the_same_scan(
    runner: TurnRunner, person: Person, database: Database, trial: Trial, clock: FakeClock
) -> None:
    """Someone paused when the wave fell due is invited on resuming, days later; the reminder
    still waits its interval after that invitation."""
    await enroll(person, runner)
    await person.run(participation.pause)
    clock.advance(trial.protocol.schedule.survey_times[0] + timedelta(days=10))
    await person.run(lambda turn, trial: participation.resume(turn, trial))
    await _scan(database, trial, clock)
    assert len(await _sent(database, "survey_invitation")) == 1
    assert await _sent(database, "survey_reminder") == []
