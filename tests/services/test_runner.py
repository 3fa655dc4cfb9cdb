"""The use-case runner: claim, roles, work and replies commit together, or not at all; a busy
database retries the update instead of dropping it (issue 17 point 2, issue 13 point 12)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db import engine as engine_module
from bot.db import sqlite_driver
from bot.db.delivery import ProcessedUpdate
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.study import EnrollmentCode, Role
from bot.services.participants import activity
from bot.services.runner import AlreadyHandled, TurnRunner
from bot.services.staff import commands
from bot.services.trial import Trial
from bot.services.turns import Incoming, Turn
from tests.services.conftest import Person, enroll, events_of, nl

ADMIN = 1


class Boom(Exception):
    pass


async def _count(database: Database, model: type) -> int:
    async with database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_failing_role_gated_use_case_commits_nothing_and_leaves_its_update_unclaimed(
    runner: TurnRunner, database: Database
) -> None:
    async def make_codes_then_fail(turn: Turn, _trial: Trial) -> None:
        await commands.make_codes(turn, _trial, ["Utrecht", "3"], "lotgenoot_bot")
        raise Boom

    incoming = Incoming(ADMIN, "Ada", "nl", update_id=77, wrote=True)
    with pytest.raises(Boom):
        await runner.run(incoming, make_codes_then_fail, claim=77, roles=(Role.ADMIN,))
    assert await _count(database, EnrollmentCode) == 0
    assert await _count(database, ProcessedUpdate) == 0, "the update may be handled again"

    async def make_codes(turn: Turn, _trial: Trial) -> None:
        await commands.make_codes(turn, _trial, ["Utrecht", "3"], "lotgenoot_bot")

    await runner.run(incoming, make_codes, claim=77, roles=(Role.ADMIN,))
    assert await _count(database, EnrollmentCode) == 3


async def test_someone_without_the_role_is_refused_and_the_use_case_does_not_run(
    runner: TurnRunner, database: Database
) -> None:
    stranger = Person(runner, user_id=999)

    async def make_codes(turn: Turn, _trial: Trial) -> None:
        await commands.make_codes(turn, _trial, ["Utrecht", "3"], "lotgenoot_bot")

    [reply] = await stranger.run(make_codes, roles=(Role.ADMIN, Role.COUNSELLOR))
    assert reply.text == nl("staff.not_allowed")
    assert await _count(database, EnrollmentCode) == 0


async def test_a_redelivered_update_is_handled_once(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner)
    # an update id far outside the one Person draws from (which passed 4242 in long runs)
    update_id = 2_000_004_242
    incoming = Incoming(person.user_id, "Sanne", "nl", update_id=update_id, wrote=True)

    async def deposit(turn: Turn, trial: Trial) -> None:
        await activity.deposit(turn, trial, "5")

    await runner.run(incoming, deposit, claim=update_id)
    with pytest.raises(AlreadyHandled):
        await runner.run(incoming, deposit, claim=update_id)
    assert len([e for e in await events_of(person) if e.kind == "deposit"]) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_lock_held_past_the_busy_timeout_retries_the_command_instead_of_dropping_it(
    database_url: str,
    tmp_path: Path,
    clock: FakeClock,
    trial: Trial,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite only: PostgreSQL waits for row locks without a timeout, so it never drops one."""
    # a busy timeout of 50 ms stands in for 15 s; the lock is held until the runner gives up once
    monkeypatch.setattr(sqlite_driver, "SQLITE_BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    database = Database(database_url)
    await upgrade(database)
    other_process = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    retries: list[int] = []

    async def release_the_lock(attempt: int) -> None:
        retries.append(attempt)
        other_process.execute("COMMIT")

    runner = TurnRunner(database, clock, trial, backoff=release_the_lock)
    person = Person(runner, user_id=5001)
    try:
        await enroll(person, runner)
        other_process.execute("BEGIN IMMEDIATE")
        said = await person.run(lambda turn, trial: activity.deposit(turn, trial, "12,50"))
        assert retries == [0]
        assert [e.amount_cents for e in await events_of(person) if e.kind == "deposit"] == [1250]
        assert len(said) == 1
        assert "12,50" in said[0].text
    finally:
        other_process.close()
        await database.dispose()
