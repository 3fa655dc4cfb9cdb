"""Service-level tests: the use-case runner on a real SQLite (and PostgreSQL) database, a
FakeClock and the shipped protocol; no sandbox, no Telegram. What a person would see is read from
the outbox rows their update queued."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import Event, Participant, Role
from bot.i18n import Language, text
from bot.services import button_data
from bot.services.participants import conversation, enrollment, menu, questionnaire
from bot.services.participants.enrollment import create_codes
from bot.services.runner import Service, TurnRunner
from bot.services.survey_presses import Answer
from bot.services.trial import Trial
from bot.services.turns import Incoming, StaffDirectory, Turn
from tests.experiments.shipped import shipped_protocol

SITE = "Utrecht"
BIRTH_YEAR = "2000"
_update_ids = itertools.count(1000)


@dataclass(frozen=True)
class Said:
    """One message the bot queued: its text and the data of its buttons."""

    text: str
    buttons: list[str]


@dataclass
class Person:
    """Someone writing to the bot; every call is one update through the runner."""

    runner: TurnRunner
    user_id: int
    first_name: str = "Sanne"
    language_code: str | None = "nl"
    said: list[Said] = field(default_factory=list)

    async def run(self, service: Service, *, roles: Collection[Role] = ()) -> list[Said]:
        update_id = next(_update_ids)
        incoming = Incoming(
            self.user_id, self.first_name, self.language_code, update_id, wrote=True
        )
        await self.runner.run(incoming, service, claim=update_id, roles=roles)
        async with self.runner.database.snapshot() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.intent_key.like(f"%:{update_id}:%"))
                .order_by(OutboxMessage.id)
            )
            said = [Said(row.payload.get("text", ""), _buttons(row.payload)) for row in rows]
        self.said.extend(said)
        return said

    async def press(self, data: str) -> list[Said]:
        return await self.run(lambda turn, trial: conversation.press(turn, trial, data))

    async def type(self, words: str) -> list[Said]:
        return await self.run(lambda turn, trial: conversation.typed(turn, trial, words))

    async def tap(self, label: str) -> list[Said]:
        """A tap on the menu of big buttons: its label arrives as text."""
        return await self.run(lambda turn, trial: menu.tap(turn, trial, label))

    async def start(self, code: str | None) -> list[Said]:
        return await self.run(lambda turn, trial: enrollment.start(turn, trial, code))


def _buttons(payload: dict[str, Any]) -> list[str]:
    markup = payload.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def nl(key: str, **params: object) -> str:
    return text(Language.NL, key, **params)


@pytest.fixture
def trial() -> Trial:
    return Trial(
        shipped_protocol(),
        allocation_seed="service-tests-allocation-seed",
        pseudonym_key="service-tests-pseudonym-key",
        staff=StaffDirectory(frozenset({1})),
    )


@pytest.fixture
def runner(database: Database, clock: FakeClock, trial: Trial) -> TurnRunner:
    return TurnRunner(database, clock, trial)


@pytest.fixture
def person(runner: TurnRunner) -> Person:
    return Person(runner, user_id=5001)


async def new_code(runner: TurnRunner) -> str:
    async with runner.database.transaction() as session:
        [code] = await create_codes(session, SITE, 1, reusable=False, now=runner.clock.now())
    return code


# The baseline's answers as `enroll` gave them by taps, per questionnaire plan and track. The
# baseline is most of an enrolment (25 taps of 31) and most service tests only need someone
# enrolled: after the first enrolment of a plan and track in a process, `enroll` keeps the same
# answers in one turn and taps only the last one, which moves the intake on as before. The
# baseline tap by tap is what test_intake.py and test_context_questions.py test (they walk it
# themselves), and what the first enrolment of each plan does.
_BASELINE_TAPS: dict[tuple[str, str, int], list[str]] = {}


async def enroll(
    person: Person,
    runner: TurnRunner,
    *,
    track: str = "savings",
    commitment: str = "commit:1000",
) -> list[Said]:
    """Consent, language, birth year, track, baseline, commitment; the last replies."""
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    await person.press("lang:nl")
    await person.type(BIRTH_YEAR)
    question = (await person.press(f"track:{track}"))[-1]
    # the items asked depend on the plan, the track and the age band (the birth year is fixed)
    plan = (repr(runner.trial.protocol.questionnaires), track, runner.clock.now().year)
    taps = _BASELINE_TAPS.get(plan)
    if taps and an_answer(question.buttons) == taps[0]:
        await person.run(partial(_keep_answers, [_answer_of(data) for data in taps[:-1]]))
        await person.press(taps[-1])
    else:
        taps = []
        while answer := an_answer(question.buttons):
            taps.append(answer)
            question = (await person.press(answer))[-1]
        _BASELINE_TAPS.setdefault(plan, taps)
    return await person.press(commitment)


def _answer_of(data: str) -> Answer:
    answer = button_data.decode(data)
    assert isinstance(answer, Answer), data
    return answer


async def _keep_answers(answers: list[Answer], turn: Turn, trial: Trial) -> None:
    """The answers the baseline's taps would keep, kept as they would be (see `enroll`)."""
    assert turn.participant is not None
    for answer in answers:
        await questionnaire.keep_answer(
            turn.session,
            turn.participant.id,
            answer.wave,
            answer.instrument,
            answer.item,
            answer.value,
            turn.now,
        )


def first_answer(buttons: list[str]) -> str | None:
    """The first answer button of a question (a multiple-choice item's "done" with nothing
    ticked), or None when the message is no question."""
    return next((data for data in buttons if data.startswith("q:")), None)


def an_answer(buttons: list[str]) -> str | None:
    """The third button of a question if it answers it, else its first answer button."""
    if len(buttons) > 2 and buttons[2].startswith("q:"):
        return buttons[2]
    return first_answer(buttons)


async def undo(person: Person) -> list[Said]:
    """↩️ Herstel and "yes, remove it": the replies to the tap that takes the last entry back."""
    [question] = await person.tap(nl("menu.undo"))
    return await person.press(question.buttons[0])


async def participant_of(person: Person) -> Participant:
    async with person.runner.database.snapshot() as session:
        found = await session.scalar(
            select(Participant).where(Participant.telegram_user_id == person.user_id)
        )
        session.expunge_all()  # read after the snapshot's rollback, which would expire it
    assert found is not None
    return found


async def events_of(person: Person) -> list[Event]:
    participant = await participant_of(person)
    async with person.runner.database.snapshot() as session:
        events = list(
            await session.scalars(
                select(Event).where(Event.participant_id == participant.id).order_by(Event.id)
            )
        )
        session.expunge_all()
    return events
