"""Buttons decide nothing on their own: forged, stale and repeated presses change nothing, and
amounts are the cents the button was made with (issue 13 point 8, issue 17 point 3)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.study import SurveyAnswer
from bot.i18n import Language
from bot.services.participants import activity, participation
from bot.services.participants.money import format_amount
from bot.services.runner import TurnRunner
from tests.services.conftest import Person, enroll, events_of, new_code, nl, participant_of


async def _answers(person: Person) -> int:
    async with person.runner.database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(SurveyAnswer)) or 0)


async def _deposit_offer(person: Person) -> str:
    [offer] = await person.run(lambda turn, trial: activity.deposit(turn, trial, None))
    [data] = offer.buttons
    return data


async def test_a_fifty_cent_deposit_button_records_fifty_cents(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, commitment="commit:50")
    assert (await participant_of(person)).commitment_cents == 50
    offer = await _deposit_offer(person)
    assert offer.startswith("dep:50:")
    [receipt] = await person.press(offer)
    assert [e.amount_cents for e in await events_of(person) if e.kind == "deposit"] == [50]
    assert receipt.text.startswith(f"Genoteerd: {format_amount(50, Language.NL)}.")
    assert format_amount(50, Language.NL) == "€\u00a00,50"


async def test_a_deposit_button_pressed_twice_records_one_deposit(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    offer = await _deposit_offer(person)
    await person.press(offer)
    [again] = await person.press(offer)
    assert again.text == nl("button.answered")
    assert len([e for e in await events_of(person) if e.kind == "deposit"]) == 1


async def test_an_intake_goal_button_pressed_after_intake_changes_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    [reply] = await person.press("commit:5000")
    assert reply.text == nl("button.answered")
    assert (await participant_of(person)).commitment_cents == 1000


async def test_the_goal_buttons_of_goal_change_the_goal(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner, commitment="commit:1000")
    [offer] = await person.run(lambda turn, trial: participation.goal(turn, trial, None))
    assert "goal:2000" in offer.buttons
    [reply] = await person.press("goal:2000")
    assert reply.text == nl("goal.changed")
    assert (await participant_of(person)).commitment_cents == 2000


async def test_a_track_button_pressed_after_intake_changes_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="savings")
    [reply] = await person.press("track:jobsearch")
    assert reply.text == nl("button.answered")
    assert (await participant_of(person)).track == "savings"


async def _at_first_baseline_question(person: Person, runner: TurnRunner) -> list[str]:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    await person.press("lang:nl")
    await person.type("2000")
    question = (await person.press("track:savings"))[-1]
    assert question.buttons[0].startswith("q:baseline:gse:gse1:")
    return question.buttons


async def test_an_answer_for_an_instrument_outside_the_plan_is_not_stored(
    runner: TurnRunner, person: Person
) -> None:
    await _at_first_baseline_question(person, runner)
    for forged in ("q:baseline:jsse:jsse1:3", "q:baseline:nosuch:item1:1"):
        said = await person.press(forged)
        assert said[0].text == nl("button.answered")
        assert said[-1].buttons[0].startswith("q:baseline:gse:gse1:"), "the open question again"
    assert await _answers(person) == 0


async def test_an_answer_out_of_order_is_not_stored(runner: TurnRunner, person: Person) -> None:
    await _at_first_baseline_question(person, runner)
    said = await person.press("q:baseline:gse:gse3:2")
    assert said[0].text == nl("button.answered")
    assert await _answers(person) == 0


async def test_an_answer_value_the_item_does_not_offer_is_not_stored(
    runner: TurnRunner, person: Person
) -> None:
    await _at_first_baseline_question(person, runner)
    said = await person.press("q:baseline:gse:gse1:99")
    assert said[0].text == nl("button.answered")
    assert await _answers(person) == 0


async def test_an_answered_baseline_button_pressed_again_is_not_stored_twice(
    runner: TurnRunner, person: Person
) -> None:
    options = await _at_first_baseline_question(person, runner)
    await person.press(options[0])
    said = await person.press(options[1])
    assert said[0].text == nl("button.answered")
    async with person.runner.database.snapshot() as session:
        values = list(await session.scalars(select(SurveyAnswer.value)))
    assert values == [int(options[0].rsplit(":", 1)[1])]


async def test_unknown_or_free_text_actions_record_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    before = len(await events_of(person))
    for forged in ("act:applied:I applied at the bakery:1", "act:fly:away:1", "dep:50", "xyz"):
        [reply] = await person.press(forged)
        assert reply.text == nl("button.unknown")
    assert len(await events_of(person)) == before


async def test_a_job_detail_button_records_that_step(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    [question] = await person.run(lambda turn, trial: activity.action(turn, trial, "job"))
    await person.press(question.buttons[3])
    [job] = [e for e in await events_of(person) if e.kind == "job"]
    assert job.detail == {"what": "started_full_time"}
