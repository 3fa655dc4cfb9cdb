"""Everyday words get everyday answers (issue 25.3): greetings and thanks a short kind reply
with the menu, "ik heb werk gevonden" the job question (recorded only on the tap), confusion
the help, "hoeveel heb ik" the progress, "ik wil stoppen" the stop question; in both
languages, each phrase its own screen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.delivery import OutboxMessage
from bot.i18n import Language, text
from bot.services.runner import TurnRunner
from tests.everyday_words import EVERYDAY_EN, EVERYDAY_NL
from tests.services.conftest import Person, Said, enroll, events_of, nl
from tests.texts import said


def _screen(answer: Said, language: Language) -> str:
    """Which screen an answer is, by the text it was made from."""
    exact = {
        "greeting": text(language, "smalltalk.greeting", name="Sanne"),
        "thanks": text(language, "smalltalk.thanks"),
        "ok": text(language, "smalltalk.ok"),
        "job": text(language, "action.job.question"),
        "stop": text(language, "intents.confirm_stop"),
    }
    for screen, words in exact.items():
        if answer.text == words:
            return screen
    if said(answer.text, "help.participant", language=language):
        return "help"
    if said(answer.text, "progress.jobsearch", language=language):
        return "progress"
    return f"something else: {answer.text!r}"


async def _jobseeker(person: Person, runner: TurnRunner, language: Language) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:2")
    await person.press(f"lang:{language.value}")


async def _screens(person: Person, phrases: dict[str, list[str]], language: Language) -> Any:
    seen = []
    for typed in (typed for written in phrases.values() for typed in written):
        [answer] = await person.type(typed)
        seen.append((typed, _screen(answer, language)))
    return seen


def _meant(phrases: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(typed, what) for what, written in phrases.items() for typed in written]


async def test_each_dutch_everyday_phrase_gets_the_screen_it_asks_for(
    person: Person, runner: TurnRunner
) -> None:
    await _jobseeker(person, runner, Language.NL)
    assert await _screens(person, EVERYDAY_NL, Language.NL) == _meant(EVERYDAY_NL)


async def test_each_english_everyday_phrase_gets_the_screen_it_asks_for(
    person: Person, runner: TurnRunner
) -> None:
    await _jobseeker(person, runner, Language.EN)
    assert await _screens(person, EVERYDAY_EN, Language.EN) == _meant(EVERYDAY_EN)


async def test_everyday_words_record_nothing_by_themselves(
    person: Person, runner: TurnRunner
) -> None:
    await _jobseeker(person, runner, Language.NL)
    before = [event.id for event in await events_of(person)]
    await _screens(person, EVERYDAY_NL, Language.NL)
    assert [event.id for event in await events_of(person)] == before


async def test_thanks_gets_a_kind_reply_with_the_menu(person: Person, runner: TurnRunner) -> None:
    await enroll(person, runner)
    [answer] = await person.type("dank je!")
    async with runner.database.snapshot() as session:
        payload = await session.scalar(
            select(OutboxMessage.payload).order_by(OutboxMessage.id.desc()).limit(1)
        )
    assert payload is not None
    menu = [button["text"] for row in payload["reply_markup"]["keyboard"] for button in row]
    assert answer.text == nl("smalltalk.thanks")
    assert nl("menu.saved") in menu


async def test_a_jobseeker_who_found_work_has_it_recorded_after_one_tap(
    person: Person, runner: TurnRunner
) -> None:
    await _jobseeker(person, runner, Language.NL)
    [question] = await person.type("Ik ben aangenomen!!")
    recorded_before_the_tap = [e.kind for e in await events_of(person) if e.kind == "job"]
    await person.press(question.buttons[-1])
    jobs = [e for e in await events_of(person) if e.kind == "job"]
    assert recorded_before_the_tap == []
    assert [job.detail for job in jobs] == [{"what": "started_full_time"}]


async def test_a_saver_who_found_work_gets_a_kind_word_and_nothing_recorded(
    person: Person, runner: TurnRunner
) -> None:
    await enroll(person, runner)
    before = [event.id for event in await events_of(person)]
    [answer] = await person.type("ik heb werk gevonden!!")
    assert answer.text == nl("smalltalk.job_for_savers")
    assert answer.buttons == []
    assert [event.id for event in await events_of(person)] == before


async def test_a_saver_asking_how_much_they_have_sees_their_savings(
    person: Person, runner: TurnRunner
) -> None:
    await enroll(person, runner)
    [answer] = await person.type("Hoeveel heb ik?")
    assert said(answer.text, "progress.savings")
