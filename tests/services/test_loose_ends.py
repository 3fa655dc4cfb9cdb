"""Loose ends close (issue 25, build 8): a question with buttons to tap expires after the
protocol's `limits.question_lifetime`, and always once the period it was asked in has ended, so
a tap on it records nothing; of several pending questions only the latest is honoured."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.services.runner import TurnRunner
from tests.services.conftest import Person, enroll, events_of, nl, participant_of

LIFETIME = timedelta(hours=24)  # the shipped limits.question_lifetime
PERIOD = timedelta(days=7)  # the shipped commitment_period


async def _logged(person: Person, kind: str) -> list[int | None]:
    return [
        e.amount_cents if kind == "deposit" else e.quantity
        for e in await events_of(person)
        if e.kind == kind
    ]


async def test_a_question_left_unanswered_past_its_lifetime_has_expired(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner)
    [how_much] = await person.tap(nl("menu.saved"))
    clock.advance(LIFETIME + timedelta(minutes=1))

    [reply] = await person.press(how_much.buttons[0])

    assert reply.text == nl("button.expired")
    assert await _logged(person, "deposit") == []


async def test_a_question_still_young_records_as_usual(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner)
    [how_much] = await person.tap(nl("menu.saved"))
    clock.advance(LIFETIME - timedelta(minutes=1))

    await person.press(how_much.buttons[0])

    assert len(await _logged(person, "deposit")) == 1


async def test_a_count_asked_last_week_records_nothing_for_this_week(
    runner: TurnRunner, person: Person, clock: FakeClock
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    # periods start at the local midnight of the day they enrolled: go to the first one's last hour
    start = (await participant_of(person)).period_start
    assert start is not None
    clock.set(start + PERIOD - timedelta(hours=1))
    [how_many] = await person.tap(nl("menu.applied"))
    clock.advance(timedelta(hours=2))  # a new week, well within the question's lifetime

    [reply] = await person.press(how_many.buttons[1])

    assert reply.text == nl("button.expired")
    assert await _logged(person, "applied") == []


async def test_only_the_latest_pending_confirmation_is_honoured(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    [first] = await person.type("gespaard 10")
    [second] = await person.type("gespaard 20")

    [stale] = await person.press(first.buttons[0])
    await person.press(second.buttons[0])
    [still_stale] = await person.press(first.buttons[0])

    assert stale.text == still_stale.text == nl("button.replaced")
    assert await _logged(person, "deposit") == [2000]
