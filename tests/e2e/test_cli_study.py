"""`lotgenoot study check|verify` and `lotgenoot power`, invoked as commands with real files."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path

import pytest
import typer
from sqlalchemy import select, text
from typer.testing import CliRunner, Result

from bot.cli.study import StudyError, power, study_app
from bot.clock import FakeClock
from bot.db.calls import CallStatus, CallTask
from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, ParticipantStatus, Site
from bot.services.participants.allocation import allocate, allocation_log
from bot.services.trial import Trial
from experiments.allocation import append_record, record_hash
from experiments.allocation.call_draws import call_draw, call_key
from experiments.protocol import load_protocol
from tests.conftest import ENGINES
from tests.experiments.shipped import FACTORIAL_FILE, PILOT_FILE, STUDY_FILE

SEED = "e2e-cli-allocation-seed"

# The commands as bot.cli.main registers them: app.add_typer(study_app, name="study") and "power".
app = typer.Typer(pretty_exceptions_enable=False)
app.add_typer(study_app, name="study")
app.command("power")(power)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No LOTGENOOT_* variable or .env file from the developer's shell leaks in."""
    for name in list(os.environ):
        if name.startswith("LOTGENOOT_") and not name.startswith("LOTGENOOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def lotgenoot(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def error_lines(result: Result) -> list[str]:
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize("file", [STUDY_FILE, FACTORIAL_FILE, PILOT_FILE], ids=lambda f: f.name)
def test_shipped_protocols_pass_the_check(file: Path) -> None:
    result = lotgenoot("study", "check", str(file))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Study: ")
    assert "Arms (" in result.stdout


def test_broken_protocol_lists_every_problem_by_key_path(tmp_path: Path) -> None:
    source = STUDY_FILE.read_text(encoding="utf-8")
    first, second, rest = source.split("weight = 1", 2)
    broken = (first + "weight = 1" + second + "weight = 0" + rest).replace(
        'commitment_period = "P7D"', 'commitment_period = "a week"'
    )
    file = tmp_path / "broken.toml"
    file.write_text(broken, encoding="utf-8")
    result = lotgenoot("study", "check", str(file))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert sorted(error_lines(result)) == [
        f"{file}: arms[1].weight: must be at least 1",
        f"{file}: schedule.commitment_period: not an ISO-8601 duration (e.g. P7D, PT30S)",
    ]


def test_missing_protocol_is_one_line(tmp_path: Path) -> None:
    result = lotgenoot("study", "check", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"{tmp_path / 'nope.toml'}: cannot read the file")


def test_power_for_a_medium_effect_is_64_per_arm() -> None:
    result = lotgenoot("power", "--effect", "0.5")
    assert result.exit_code == 0, result.output
    assert "64 per arm" in result.stdout.splitlines()[0]


def test_power_refuses_an_impossible_effect() -> None:
    result = lotgenoot("power", "--effect", "0")
    assert isinstance(result.exception, StudyError)
    assert "effect size" in str(result.exception)


def test_verify_needs_the_seed() -> None:
    result = lotgenoot("study", "verify", "--study", str(STUDY_FILE))
    assert isinstance(result.exception, StudyError)
    assert "LOTGENOOT_ALLOCATION_SEED" in str(result.exception)


async def allocate_people(
    database: Database, clock: FakeClock, count: int, site: str = "utrecht"
) -> None:
    """Enroll and allocate `count` participants at one site through the allocation service."""
    trial = Trial(load_protocol(STUDY_FILE), SEED, "cli-pseudonym-key")
    now = clock.now()
    async with database.transaction() as session:
        place = Site(name=site, created_at=now)
        session.add(place)
        await session.flush()
        for _ in range(count):
            person = Participant(
                site_id=place.id,
                language="en",
                consent_version="2026-01",
                consented_at=now,
                step=IntakeStep.COMMITMENT,
                birth_year=2000,
                age_band=trial.protocol.age_bands[1].label,
                track="jobsearch",
                status=ParticipantStatus.ACTIVE,
            )
            session.add(person)
            await session.flush()
            await allocate(session, person, trial, now)


async def verify_against(database: Database, *args: str) -> Result:
    """`lotgenoot study verify` on this database, run beside the test's event loop."""
    env = {"LOTGENOOT_DATABASE_URL": database.url, "LOTGENOOT_ALLOCATION_SEED": SEED}
    return await asyncio.to_thread(
        lotgenoot, "study", "verify", "--study", str(STUDY_FILE), *args, **env
    )


async def run_sql(database: Database, statement: str) -> None:
    async with database.transaction() as session:
        await session.execute(text(statement))


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_finds_an_intact_log(database: Database, clock: FakeClock) -> None:
    await allocate_people(database, clock, 12)
    result = await verify_against(database)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("12 allocations, chain and sequence intact")


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_recomputes_the_follow_up_call_draws(
    database: Database, clock: FakeClock
) -> None:
    await allocate_people(database, clock, 3)
    key = call_key(SEED)
    async with database.transaction() as session:
        ids = sorted(await session.scalars(select(Participant.id)))
        for pid in ids:
            draw = call_draw(key, pid, 1)
            session.add(
                CallTask(
                    participant_id=pid,
                    wave=1,
                    status=CallStatus.OPEN if draw < 0.5 else CallStatus.NOT_CHOSEN,
                    due_at=clock.now(),
                    drawn_at=clock.now(),
                    draw=draw,
                    share=0.5,
                    selected=draw < 0.5,
                )
            )
    result = await verify_against(database)
    assert result.exit_code == 0, result.output
    assert "3 follow-up call draws" in result.stdout
    flip = f"UPDATE call_tasks SET selected = NOT selected WHERE participant_id = {ids[1]}"
    await run_sql(database, flip)
    result = await verify_against(database)
    assert result.exit_code == 1
    assert f"follow-up call draw (participant {ids[1]}, wave 1)" in error_lines(result)[0]


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_reports_an_arm_changed_in_the_database(
    database: Database, clock: FakeClock
) -> None:
    await allocate_people(database, clock, 12)
    await run_sql(
        database,
        "UPDATE allocations SET arm = CASE arm WHEN 'control' THEN 'peer' ELSE 'control' END "
        "WHERE sequence = 5",
    )
    result = await verify_against(database)
    assert result.exit_code == 1
    lines = error_lines(result)
    assert "record #5 was changed after it was written" in lines[0]
    assert any(line.startswith("record #5 gives arm") for line in lines)
    assert lines[-1] == "12 allocations, 2 problems found"


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_against_a_kept_head_notices_a_cut_off_log(
    database: Database, clock: FakeClock
) -> None:
    await allocate_people(database, clock, 6)
    head = (await verify_against(database)).stdout.split("(head ")[1].rstrip(")\n")
    # a careful forger also clears the participant's copy of the arm, which verify checks
    await run_sql(
        database,
        "UPDATE participants SET arm = NULL, stratum = NULL, allocated_at = NULL "
        "WHERE id = (SELECT participant_id FROM allocations WHERE sequence = 6)",
    )
    await run_sql(database, "DELETE FROM allocations WHERE sequence = 6")
    assert (await verify_against(database)).exit_code == 0
    result = await verify_against(database, "--head", head)
    assert result.exit_code == 1
    assert "records were cut off the end" in result.stderr


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
@pytest.mark.parametrize("column", ["arm", "stratum"])
async def test_verify_reports_a_participants_arm_or_stratum_edited_in_the_database(
    database: Database, clock: FakeClock, column: str
) -> None:
    await allocate_people(database, clock, 6)
    other = "'peer'" if column == "arm" else "'track=savings'"
    await run_sql(
        database,
        f"UPDATE participants SET {column} = CASE WHEN {column} = {other} THEN 'control' "
        f"ELSE {other} END WHERE id = (SELECT participant_id FROM allocations WHERE sequence = 3)",
    )
    result = await verify_against(database)
    assert result.exit_code == 1, result.output
    lines = error_lines(result)
    assert "but record #3 gives arm" in lines[0]
    assert "the participant's copy was changed" in lines[0]
    assert lines[-1] == "6 allocations, 1 problem found"


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_reports_an_arm_whose_allocation_record_was_deleted(
    database: Database, clock: FakeClock
) -> None:
    await allocate_people(database, clock, 6)
    await run_sql(database, "DELETE FROM allocations WHERE sequence = 6")
    result = await verify_against(database)
    assert result.exit_code == 1
    assert "but the allocation log has no record of them" in result.stderr


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_reports_an_edit_whose_hash_was_recomputed_without_the_seed(
    database: Database, clock: FakeClock
) -> None:
    """A forger who edits the last record and its participant, then recomputes the (unkeyed)
    hash as the chain's JSON rules say, is caught: the chain is keyed with the seed."""
    await allocate_people(database, clock, 6)
    async with database.transaction() as session:
        [last] = (await allocation_log(session))[-1:]
    forged = dataclasses.replace(last, arm=next(a for a in ("peer", "text") if a != last.arm))
    forged = dataclasses.replace(forged, hash=record_hash(forged))
    await run_sql(
        database,
        f"UPDATE allocations SET arm = '{forged.arm}', hash = '{forged.hash}' WHERE sequence = 6",
    )
    await run_sql(
        database, f"UPDATE participants SET arm = '{forged.arm}' WHERE id = {last.participant_id}"
    )
    result = await verify_against(database)
    assert result.exit_code == 1
    assert "record #6 carries an unkeyed hash after keyed records" in result.stderr


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_verify_reports_an_unkeyed_legacy_chain_as_such(
    database: Database, clock: FakeClock
) -> None:
    """A log written before the chain was keyed keeps verifying, and says it is legacy."""
    await allocate_people(database, clock, 4)
    async with database.transaction() as session:
        log = await allocation_log(session)
    previous = None
    for record in log:
        legacy = append_record(
            previous,
            participant_id=record.participant_id,
            stratum=record.stratum,
            position=record.position,
            arm=record.arm,
            allocated_at=record.allocated_at,
        )
        await run_sql(
            database,
            f"UPDATE allocations SET prev_hash = '{legacy.prev_hash}', hash = '{legacy.hash}' "
            f"WHERE sequence = {record.sequence}",
        )
        previous = legacy
    result = await verify_against(database)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "4 allocations, chain and sequence intact (legacy, unkeyed chain) (head "
    )
    # the bot appends keyed records to a legacy log, and the log still verifies
    await allocate_people(database, clock, 2, site="gouda")
    result = await verify_against(database)
    assert result.exit_code == 0, result.output
    assert "intact (legacy, unkeyed chain for the first 4, keyed after)" in result.stdout
