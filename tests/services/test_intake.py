"""The intake state machine at service level: language, birth year, track, the baseline in the
protocol's order, the commitment (typed or tapped), and the allocation, which happens at the end
of the intake and only once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.study import AllocatedPerson, Allocation, IntakeStep, SurveyAnswer
from bot.i18n import Language, plural, text
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.protocol import Track, load_instrument
from tests.services.conftest import Person, Said, first_answer, new_code, nl, participant_of
from tests.texts import intake_done


async def _count(person: Person, model: type) -> int:
    async with person.runner.database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _consented(person: Person, runner: TurnRunner) -> None:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])


async def _at_track(person: Person, runner: TurnRunner, birth_year: str = "2000") -> None:
    await _consented(person, runner)
    await person.press("lang:nl")
    await person.type(birth_year)


async def _through_baseline(person: Person, track: str) -> tuple[list[tuple[str, str]], Said]:
    """Tap the first answer of every baseline question; the items asked and the last message."""
    asked: list[tuple[str, str]] = []
    question = (await person.press(f"track:{track}"))[-1]
    while answer := first_answer(question.buttons):
        _q, _wave, instrument, item, _value = answer.split(":")
        asked.append((instrument, item))
        question = (await person.press(answer))[-1]
    return asked, question


def _plan(trial: Trial, track: Track, age_band: str) -> list[tuple[str, str]]:
    plan = trial.protocol.questionnaires
    return [
        (instrument, item)
        for instrument in plan.instruments_for("baseline", track)
        for item in plan.items_for(instrument, age_band)
    ]


async def test_choosing_english_stores_it_and_asks_the_birth_year_in_english(
    runner: TurnRunner, person: Person
) -> None:
    await _consented(person, runner)
    [reply] = await person.press("lang:en")
    assert reply.text == text(Language.EN, "intake.birth_year")
    participant = await participant_of(person)
    assert participant.language == "en"
    assert participant.step is IntakeStep.BIRTH_YEAR


async def test_typing_during_the_language_step_asks_for_the_buttons_and_changes_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await _consented(person, runner)
    hint, prompt = await person.type("Nederlands")
    assert hint.text == nl("unknown.use_buttons")
    assert prompt.text == nl("intake.language")
    assert (await participant_of(person)).step is IntakeStep.LANGUAGE


async def test_a_birth_year_that_is_not_a_number_is_asked_again(
    runner: TurnRunner, person: Person
) -> None:
    await _consented(person, runner)
    await person.press("lang:nl")
    for typed in ("negentien", "19 98", "1998!", ""):
        [reply] = await person.type(typed)
        assert reply.text == nl("intake.birth_year_invalid"), typed
    participant = await participant_of(person)
    assert participant.step is IntakeStep.BIRTH_YEAR
    assert participant.birth_year is None


async def test_a_birth_year_outside_the_age_bands_names_the_ages_and_is_not_stored(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    assert clock.now().year == 2026
    await _consented(person, runner)
    await person.press("lang:nl")
    for typed in ("1958", "2011", "-2000", "20000"):  # 68 and 15 years old; the bands: 16 to 67
        [reply] = await person.type(typed)
        assert reply.text == nl("intake.birth_year_out_of_range", low=16, high=67), typed
    participant = await participant_of(person)
    assert participant.step is IntakeStep.BIRTH_YEAR
    assert participant.birth_year is None
    assert participant.age_band is None


async def test_a_birth_year_at_the_edges_is_accepted_with_its_age_band(
    runner: TurnRunner,
) -> None:
    for user_id, typed, band in ((6001, "1959", "50-67"), (6002, " 2010 ", "16-20")):
        someone = Person(runner, user_id=user_id)
        await _at_track(someone, runner, typed)
        participant = await participant_of(someone)
        assert (participant.birth_year, participant.age_band) == (int(typed), band)
        assert participant.step is IntakeStep.TRACK
        assert someone.said[-1].text == nl("intake.track")
        assert someone.said[-1].buttons == ["track:savings", "track:jobsearch"]


async def test_choosing_a_track_stores_it_and_starts_the_baseline(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    [question] = await person.press("track:jobsearch")
    instrument = load_instrument("gse")
    first = instrument.items[0]
    # numbered across the whole baseline (gse, the job-search scale and the context), with a
    # one-line intro
    whole = sum(len(load_instrument(i).items) for i in ("gse", "jsse", "context"))
    item = nl(
        "survey.item",
        instructions=instrument.instructions.text(Language.NL),
        number=1,
        count=whole,
        item=first.text(Language.NL),
    )
    intro = plural(Language.NL, "intake.baseline_intro", whole)
    assert question.text == f"{intro}\n\n{item}"
    assert question.buttons == [
        *(f"q:baseline:gse:{first.id}:{option.value}" for option in instrument.answers),
        "later:baseline",
    ]
    participant = await participant_of(person)
    assert participant.track == "jobsearch"
    assert participant.step is IntakeStep.BASELINE


async def test_a_saver_answers_the_baseline_in_the_protocols_order_then_is_asked_a_goal(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await _at_track(person, runner, "2000")
    asked, last = await _through_baseline(person, "savings")
    assert asked == _plan(trial, Track.SAVINGS, "26-35")
    assert [instrument for instrument, _ in asked][-1] == "context"
    assert "jsse" not in {instrument for instrument, _ in asked}
    assert last.text == nl("intake.commitment_savings")
    assert last.buttons == ["commit:500", "commit:1000", "commit:2000", "commit:5000"]
    assert await _count(person, SurveyAnswer) == len(asked)
    assert (await participant_of(person)).step is IntakeStep.COMMITMENT


async def test_a_jobseeker_answers_the_job_search_scale_and_is_asked_for_applications(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await _at_track(person, runner, "2000")
    asked, last = await _through_baseline(person, "jobsearch")
    assert asked == _plan(trial, Track.JOBSEARCH, "26-35")
    assert "fse" not in {instrument for instrument, _ in asked}
    assert last.text == nl("intake.commitment_jobsearch")
    assert last.buttons == ["commit:1", "commit:2", "commit:3", "commit:5", "commit:10"]
    assert await _count(person, SurveyAnswer) == len(asked)


async def test_a_young_saver_is_not_asked_the_retirement_item(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await _at_track(person, runner, "2008")
    asked, _last = await _through_baseline(person, "savings")
    assert ("fse", "fse6") not in asked
    assert asked == _plan(trial, Track.SAVINGS, "16-20")
    assert ("fse", "fse5") in asked


async def test_the_arm_is_drawn_only_after_the_commitment_and_only_once(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await _at_track(person, runner)
    _asked, _last = await _through_baseline(person, "savings")
    assert await _count(person, Allocation) == 0, "no allocation before the commitment"
    assert (await participant_of(person)).arm is None
    [done] = await person.press("commit:2000")
    participant = await participant_of(person)
    assert participant.step is IntakeStep.DONE
    assert participant.commitment_cents == 2000
    assert participant.arm in {arm.name for arm in trial.protocol.arms}
    assert participant.allocated_at == clock.now()
    # the person's weeks start at the start of today, the day the intake names
    assert participant.period_start == datetime(2026, 1, 4, 23, 0, tzinfo=UTC)
    assert done.text == intake_done(participant.arm or "", protocol=trial.protocol)
    assert nl("period.week_starts", day="maandag") in done.text
    assert await _count(person, Allocation) == 1
    assert await _count(person, AllocatedPerson) == 1
    # the same button again, another goal typed, /start: no second draw
    [again] = await person.press("commit:5000")
    assert again.text == nl("button.answered")
    await person.type("30")
    await person.start(None)
    assert await _count(person, Allocation) == 1
    after = await participant_of(person)
    assert (after.arm, after.commitment_cents) == (participant.arm, 2000)


async def test_a_typed_savings_goal_in_euros_and_cents_finishes_the_intake(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    await _at_track(person, runner)
    await _through_baseline(person, "savings")
    [done] = await person.type("7,50")
    participant = await participant_of(person)
    assert participant.commitment_cents == 750
    assert participant.step is IntakeStep.DONE
    assert participant.arm is not None
    assert done.text == intake_done(participant.arm or "", protocol=trial.protocol)


async def test_a_bad_typed_savings_goal_is_explained_asked_again_and_draws_no_arm(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    await _through_baseline(person, "savings")
    for typed, reason in (
        ("veel", "amount.not_a_number"),
        ("0", "amount.not_positive"),
        ("-5", "amount.not_positive"),
        ("20000", "amount.too_large"),
        ("0,001", "amount.too_many_decimals"),
    ):
        explained, asked = await person.type(typed)
        assert explained.text == nl(reason), typed
        assert asked.text == nl("intake.commitment_savings")
    participant = await participant_of(person)
    assert participant.commitment_cents is None
    assert participant.step is IntakeStep.COMMITMENT
    assert await _count(person, Allocation) == 0


async def test_a_typed_number_of_applications_finishes_the_intake(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    await _through_baseline(person, "jobsearch")
    for typed in ("0", "21", "drie", "2,5"):
        explained, asked = await person.type(typed)
        assert explained.text == nl("intake.commitment_jobsearch_invalid"), typed
        assert asked.text == nl("intake.commitment_jobsearch")
    assert await _count(person, Allocation) == 0
    await person.type("4")
    participant = await participant_of(person)
    assert participant.commitment_applications == 4
    assert participant.commitment_cents is None
    assert participant.step is IntakeStep.DONE
    assert await _count(person, Allocation) == 1


async def test_a_commitment_button_the_protocol_does_not_allow_is_refused(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    await _through_baseline(person, "jobsearch")
    explained, asked = await person.press("commit:500")  # more than 20 applications at once
    assert explained.text == nl("intake.commitment_jobsearch_invalid")
    assert asked.text == nl("intake.commitment_jobsearch")
    assert await _count(person, Allocation) == 0
    assert (await participant_of(person)).commitment_applications is None


async def test_a_commitment_button_before_the_baseline_is_done_is_not_taken(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    [first] = await person.press("track:savings")
    answered, open_question = await person.press("commit:1000")
    assert answered.text == nl("button.answered")
    assert open_question.buttons == first.buttons
    participant = await participant_of(person)
    assert participant.commitment_cents is None
    assert participant.step is IntakeStep.BASELINE
    assert await _count(person, Allocation) == 0


async def test_the_first_follow_up_is_planned_from_the_allocation(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    await _at_track(person, runner)
    await _through_baseline(person, "savings")
    await person.press("commit:1000")
    participant = await participant_of(person)
    [first, *_] = trial.protocol.schedule.survey_times
    assert participant.next_survey_wave == 1
    assert participant.next_survey_at == clock.now() + first
    assert participant.open_survey_wave is None


async def test_typing_during_the_baseline_asks_for_the_buttons_and_repeats_the_question(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    [first] = await person.press("track:savings")
    hint, again = await person.type("3")
    assert hint.text == nl("unknown.use_buttons")
    assert again.buttons == first.buttons
    assert await _count(person, SurveyAnswer) == 0


async def test_a_language_button_after_the_intake_switches_the_language(
    runner: TurnRunner, person: Person
) -> None:
    await _at_track(person, runner)
    await _through_baseline(person, "savings")
    await person.press("commit:1000")
    [reply] = await person.press("lang:en")
    assert reply.text == text(Language.EN, "language.changed")
    participant = await participant_of(person)
    assert (participant.language, participant.step) == ("en", IntakeStep.DONE)
