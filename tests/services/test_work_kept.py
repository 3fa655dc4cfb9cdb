"""Work that is kept (issue 29, build 3): after a job or training *start*, the bot asks at the
protocol's times whether the person still has that work, with buttons; each answer is kept once
and is the outcome `job_retained_<check>`; an offer, or a start taken back, is never asked
about."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.research import read_trial
from bot.services.participants.retention import scan_retention
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.analysis import outcome_frame
from experiments.outputs import build_tables
from experiments.protocol import AnalysisPlan, Retention, RetentionCheck, resolve_outcome
from tests.services.conftest import Person, Said, enroll, events_of, nl, undo

JOBSEEKER = {"track": "jobsearch", "commitment": "commit:3"}
MONTH, QUARTER = timedelta(days=30), timedelta(days=91)


@pytest.fixture
def trial(trial: Trial) -> Trial:
    """The shipped study, asking after one and three months."""
    checks = (RetentionCheck(name="1m", after=MONTH), RetentionCheck(name="3m", after=QUARTER))
    changed = trial.protocol.model_copy(update={"retention": Retention(checks=checks)})
    return Trial(changed, trial.allocation_seed, trial.pseudonym_key, staff=trial.staff)


async def _found(person: Person, what: str) -> None:
    """💼 and the kind of job under "what happened?"."""
    [question] = await person.tap(nl("menu.job"))
    [choice] = [data for data in question.buttons if data.startswith(f"act:job:{what}:")]
    await person.press(choice)


async def _asked(database: Database, trial: Trial, clock: FakeClock) -> list[Said]:
    async with database.transaction() as session:
        await scan_retention(session, trial, clock.now())
    async with database.snapshot() as session:
        rows = await session.scalars(
            select(OutboxMessage.payload)
            .where(OutboxMessage.kind == "retention_question")
            .order_by(OutboxMessage.id)
        )
        return [
            Said(
                payload["text"],
                [
                    b["callback_data"]
                    for row in payload["reply_markup"]["inline_keyboard"]
                    for b in row
                ],
            )
            for payload in rows
        ]


async def test_a_job_start_gets_the_retention_questions_at_the_protocol_times(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    ria = Person(runner, 5501, "Ria")
    await enroll(ria, runner, **JOBSEEKER)
    await _found(ria, "started_full_time")
    clock.advance(MONTH - timedelta(hours=1))
    too_early = await _asked(database, trial, clock)
    clock.advance(timedelta(hours=1))
    [month] = await _asked(database, trial, clock)
    [thanks] = await ria.press(month.buttons[0])
    again = await ria.press(month.buttons[1])
    clock.advance(QUARTER - MONTH)
    [_month, quarter] = await _asked(database, trial, clock)
    await ria.press(quarter.buttons[1])

    assert too_early == []
    assert month.text == nl("retention.question_job", date="5 januari")
    assert [data.rsplit(":", 1)[1] for data in month.buttons] == ["yes", "no", "other"]
    assert thanks.text == nl("retention.thanks_yes")
    assert [said.text for said in again] == [nl("button.answered")]
    kept = [(e.quantity, e.detail) for e in await events_of(ria) if e.kind == "work_kept"]
    assert kept == [
        (1, {"check": "1m", "retained": "yes", "start_kind": "job"}),
        (0, {"check": "3m", "retained": "no", "start_kind": "job"}),
    ]
    protocol = trial.protocol.model_copy(
        update={"analysis": AnalysisPlan(primary="applications", secondary=("job_retained_3m",))}
    )
    assert resolve_outcome("job_retained_3m", protocol) is not None
    tables = build_tables(await read_trial(database, clock.now()), Pseudonymizer("k"))
    frame = outcome_frame(tables, protocol, clock.now()).iloc[0]
    assert (frame["job_retained_1m"], frame["job_retained_3m"]) == (1.0, 0.0)


async def test_an_offer_or_an_undone_start_is_never_asked_about(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    ria = Person(runner, 5502, "Ria")
    await enroll(ria, runner, **JOBSEEKER)
    await _found(ria, "offer_part_time")
    await _found(ria, "started_part_time")
    await undo(ria)
    clock.advance(QUARTER)

    assert await _asked(database, trial, clock) == []


async def test_work_that_ended_is_not_asked_about_again_and_counts_as_not_kept(
    runner: TurnRunner, database: Database, clock: FakeClock, trial: Trial
) -> None:
    ria = Person(runner, 5502, "Ria")
    await enroll(ria, runner, **JOBSEEKER)
    await _found(ria, "started_full_time")
    clock.advance(MONTH)
    [month] = await _asked(database, trial, clock)
    [thanks] = await ria.press(month.buttons[1])  # "no": the job ended
    clock.advance(QUARTER - MONTH)
    later = await _asked(database, trial, clock)

    assert thanks.text == nl("retention.thanks_no")
    assert later == [month], "no second question about work that already ended"
    protocol = trial.protocol.model_copy(
        update={"analysis": AnalysisPlan(primary="applications", secondary=("job_retained_3m",))}
    )
    tables = build_tables(await read_trial(database, clock.now()), Pseudonymizer("k"))
    frame = outcome_frame(tables, protocol, clock.now()).iloc[0]
    assert (frame["job_retained_1m"], frame["job_retained_3m"]) == (0.0, 0.0)
