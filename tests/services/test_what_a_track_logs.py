"""What a track may log is the protocol's (issue 24, build 3): a saver cannot log job-search
steps, nor a jobseeker savings, by command, menu text, everyday words or button, unless the
protocol's `[tracks]` lets that track log both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.services.participants import activity
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.protocol import TrackRules, Tracks
from tests.services.conftest import Person, Said, enroll, events_of, nl

Attempt = Callable[[Person], Awaitable[list[Said]]]


def _command(kind: str, typed: str | None) -> Attempt:
    def attempt(person: Person) -> Awaitable[list[Said]]:
        if kind == "deposit":
            return person.run(lambda turn, trial: activity.deposit(turn, trial, typed))
        return person.run(lambda turn, trial: activity.action(turn, trial, kind, typed))

    return attempt


def _menu(key: str) -> Attempt:
    return lambda person: person.tap(nl(key))


def _words(typed: str) -> Attempt:
    return lambda person: person.type(typed)


def _button(data: str) -> Attempt:
    return lambda person: person.press(data)


SAVERS_JOB_SEARCH: dict[str, Attempt] = {
    "/applied 20": _command("applied", "20"),
    "/interview": _command("interview", None),
    "/job": _command("job", None),
    "/training": _command("training", None),
    "menu applied": _menu("menu.applied"),
    "menu interview": _menu("menu.interview"),
    "menu job": _menu("menu.job"),
    "menu training": _menu("menu.training"),
    "words": _words("ik heb 20 keer gesolliciteerd"),
    "words interview": _words("ik had een gesprek"),
    "steps button": _button("steps:applied:20:1"),
    "job button": _button("act:job:started_full_time:1"),
    "more button": _button("type:applied"),
}
JOBSEEKERS_SAVINGS: dict[str, Attempt] = {
    "/deposit 10": _command("deposit", "10"),
    "/deposit": _command("deposit", None),
    "menu saved": _menu("menu.saved"),
    "words": _words("ik heb 10 euro gespaard"),
    "deposit button": _button("dep:1000:1"),
    "another amount button": _button("type:dep"),
}


@pytest.mark.parametrize("way", SAVERS_JOB_SEARCH)
async def test_a_saver_cannot_log_job_search_steps_in_any_way_and_is_told_what_they_keep(
    runner: TurnRunner, person: Person, way: str
) -> None:
    await enroll(person, runner)
    said = await SAVERS_JOB_SEARCH[way](person)
    assert said == [Said(nl("activity.steps_for_jobseekers"), [])]
    assert await events_of(person) == []


@pytest.mark.parametrize("way", JOBSEEKERS_SAVINGS)
async def test_a_jobseeker_cannot_log_savings_in_any_way_and_is_told_what_they_keep(
    runner: TurnRunner, person: Person, way: str
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    said = await JOBSEEKERS_SAVINGS[way](person)
    assert said == [Said(nl("activity.deposit_for_savers"), [])]
    assert await events_of(person) == []


async def test_a_protocol_that_lets_savers_log_both_records_their_applications(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    both = Tracks(savings=TrackRules(logs=("savings", "jobsearch")))
    protocol = trial.protocol.model_copy(update={"tracks": both})
    lenient = TurnRunner(
        database, clock, Trial(protocol, trial.allocation_seed, trial.pseudonym_key, trial.staff)
    )
    saver = Person(lenient, user_id=5003)
    await enroll(saver, lenient)
    [how_many] = await saver.tap(nl("menu.applied"))
    await saver.press(how_many.buttons[1])
    await saver.run(lambda turn, trial: activity.deposit(turn, trial, "5"))
    assert [(e.kind, e.quantity, e.amount_cents) for e in await events_of(saver)] == [
        ("applied", 2, None),
        ("deposit", None, 500),
    ]
    jobseeker = Person(lenient, user_id=5004)
    await enroll(jobseeker, lenient, track="jobsearch", commitment="commit:3")
    [reply] = await jobseeker.run(lambda turn, trial: activity.deposit(turn, trial, "5"))
    assert reply.text == nl("activity.deposit_for_savers"), "jobseekers still log only steps"
