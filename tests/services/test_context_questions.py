"""A study's own context questions answered by taps at service level: single choice with value
labels, yes/no, multiple choice (ticks, then done), a typed number with a friendly retry, a
number by buttons, "prefer not to say" and "later"; then the SPSS export carries the labels."""

from __future__ import annotations

from pathlib import Path

import pyreadstat
import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.study import SurveyAnswer
from bot.i18n import Language, text
from bot.research.outputs import export_trial
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from experiments.protocol import Protocol, load_protocol
from tests.experiments.situation import study_with_situation
from tests.services.conftest import BIRTH_YEAR, Person, Said, new_code, nl

Q = "q:baseline:situation"
TICK = "qm:baseline:situation:contacts"


@pytest.fixture
def protocol(tmp_path: Path) -> Protocol:
    return load_protocol(study_with_situation(tmp_path))


@pytest.fixture
def trial(protocol: Protocol) -> Trial:
    return Trial(
        protocol,
        allocation_seed="context-tests-allocation-seed",
        pseudonym_key="context-tests-pseudonym-key",
        staff=StaffDirectory(frozenset({1})),
    )


async def _first_question(person: Person, runner: TurnRunner, language: str = "nl") -> Said:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    await person.press(f"lang:{language}")
    await person.type(BIRTH_YEAR)
    return (await person.press("track:savings"))[-1]


async def _answers(person: Person) -> dict[str, int]:
    async with person.runner.database.snapshot() as session:
        rows = await session.execute(
            select(SurveyAnswer.item, SurveyAnswer.value).where(
                SurveyAnswer.instrument == "situation"
            )
        )
        return {item: value for item, value in rows}


async def _answer_every_type(person: Person, runner: TurnRunner) -> list[Said]:
    """Taps (and one typed number) through the situation items; what the bot said last."""
    await _first_question(person, runner)
    await person.press(f"{Q}:benefit:1")
    await person.press(f"{Q}:arrears:-1")
    await person.press(f"{TICK}:1")
    await person.press(f"{TICK}:5")
    await person.press(f"{Q}:contacts:5")
    await person.type("14")
    return await person.press(f"{Q}:children:2")


async def test_a_single_choice_question_offers_its_options_prefer_not_to_say_and_later(
    runner: TurnRunner, person: Person
) -> None:
    question = await _first_question(person, runner)
    assert "Welke uitkering krijg je?" in question.text
    assert question.buttons == [
        f"{Q}:benefit:1", f"{Q}:benefit:2", f"{Q}:benefit:0", f"{Q}:benefit:-1", "later:baseline",
    ]  # fmt: skip


async def test_every_item_type_is_answered_by_taps_and_kept_as_its_code(
    runner: TurnRunner, person: Person
) -> None:
    await _first_question(person, runner)
    [yes_no] = await person.press(f"{Q}:benefit:1")
    assert yes_no.buttons == [
        f"{Q}:arrears:1",
        f"{Q}:arrears:0",
        f"{Q}:arrears:-1",
        "later:baseline",
    ]
    [ticks] = await person.press(f"{Q}:arrears:-1")
    assert nl("survey.tick_all") in ticks.text
    assert ticks.buttons == [
        f"{TICK}:1",
        f"{TICK}:2",
        f"{TICK}:4",
        f"{Q}:contacts:0",
        "later:baseline",
    ]
    [ticked] = await person.press(f"{TICK}:1")
    assert ticked.text == ticks.text, "the same question, shown again with its tick"
    assert ticked.buttons == [
        f"{TICK}:0",
        f"{TICK}:3",
        f"{TICK}:5",
        f"{Q}:contacts:1",
        "later:baseline",
    ]
    [both] = await person.press(f"{TICK}:5")
    assert both.buttons[3] == f"{Q}:contacts:5"
    [typed] = await person.press(f"{Q}:contacts:5")
    assert nl("survey.type_number", low=0, high=120) in typed.text
    assert typed.buttons == [f"{Q}:months:-1", "later:baseline"]
    [buttons] = await person.type("14")
    assert buttons.buttons == [*(f"{Q}:children:{n}" for n in range(4)), "later:baseline"]
    [scale] = await person.press(f"{Q}:children:2")
    assert scale.buttons[0].startswith("q:baseline:gse:gse1:"), "then the shipped scales"
    assert await _answers(person) == {
        "benefit": 1, "arrears": -1, "contacts": 0b101, "months": 14, "children": 2,
    }  # fmt: skip


async def test_a_typed_number_that_does_not_fit_gets_a_friendly_retry_and_changes_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await _first_question(person, runner)
    for press in (f"{Q}:benefit:0", f"{Q}:arrears:0", f"{Q}:contacts:0"):
        await person.press(press)
    retry = nl("survey.number_invalid", low=0, high=120, example=60)
    assert [said.text for said in await person.type("veel")] == [retry]
    assert [said.text for said in await person.type("500")] == [retry]
    assert "months" not in await _answers(person)
    [next_question] = await person.type(" 7 ")
    assert next_question.buttons[0] == f"{Q}:children:0"
    assert (await _answers(person))["months"] == 7


async def test_the_retry_speaks_the_persons_language(runner: TurnRunner, person: Person) -> None:
    await _first_question(person, runner, language="en")
    for press in (f"{Q}:benefit:0", f"{Q}:arrears:0", f"{Q}:contacts:0"):
        await person.press(press)
    [retry] = await person.type("lots")
    assert retry.text == text(Language.EN, "survey.number_invalid", low=0, high=120, example=60)


async def test_later_pauses_a_context_question_and_go_on_asks_it_again(
    runner: TurnRunner, person: Person
) -> None:
    await _first_question(person, runner)
    await person.press(f"{Q}:benefit:2")
    [paused] = await person.press("later:baseline")
    assert paused.text == nl("survey.paused")
    [again] = await person.press("goon:baseline")
    assert again.buttons[0] == f"{Q}:arrears:1"


async def test_a_tick_on_an_answered_or_forged_selection_changes_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await _first_question(person, runner)
    for press in (f"{Q}:benefit:0", f"{Q}:arrears:1"):
        await person.press(press)
    forged = await person.press(f"{TICK}:8")  # no option has value 3
    assert forged[0].text == nl("button.answered")
    await person.press(f"{Q}:contacts:2")
    stale = await person.press(f"{TICK}:3")
    assert stale[0].text == nl("button.answered")
    assert (await _answers(person))["contacts"] == 2


async def test_the_spss_export_carries_the_value_labels_of_the_own_instrument(
    runner: TurnRunner, person: Person, protocol: Protocol, clock: FakeClock, tmp_path: Path
) -> None:
    await _answer_every_type(person, runner)
    out = tmp_path / "export"
    await export_trial(
        runner.database, out, key="k" * 32, protocol=protocol, file_format="spss", as_of=clock.now()
    )
    frame, meta = pyreadstat.read_sav(str(out / "participants.sav"), user_missing=True)
    labels = meta.variable_value_labels
    assert labels["situation_benefit"] == {
        1.0: "Social assistance",
        2.0: "Unemployment benefit",
        0.0: "None",
        -1.0: "Prefer not to say",
    }
    assert labels["situation_arrears"] == {1.0: "Yes", 0.0: "No", -1.0: "Prefer not to say"}
    assert labels["situation_contacts_2"] == {0.0: "Not ticked", 1.0: "Ticked"}
    assert meta.missing_ranges["situation_arrears"] == [{"lo": -1.0, "hi": -1.0}]
    row = frame.iloc[0]
    assert (row["situation_benefit"], row["situation_arrears"]) == (1.0, -1.0)
    assert [row[f"situation_contacts_{n}"] for n in range(3)] == [1.0, 0.0, 1.0]
    assert (row["situation_months"], row["situation_children"]) == (14.0, 2.0)
    assert meta.column_names_to_labels["situation_benefit"] == "Baseline situation: Benefit"
