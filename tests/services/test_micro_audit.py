"""The micro-randomized decision log as a whole: `study verify` names a deleted, added or
re-weeked decision, and tells a lawful erasure (keyed tombstones) apart from tampering."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.micro import MicroDecision, MicroErasure
from bot.db.study import Participant
from bot.paths import shipped_config
from bot.scheduler import scan_micro
from bot.services.participants import deletion
from bot.services.participants.allocation import allocation_log
from bot.services.participants.micro_chain import tombstones
from bot.services.participants.micro_nudges import decision_log
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import StaffDirectory
from experiments.micro import ChainCheck, MicroProblemKind, check_chain
from experiments.protocol import validate_protocol
from tests.e2e.test_cli_micro import SEED, decided

from .conftest import Person

PEOPLE, DAYS = 4, 3  # 12 decisions: person 1 has #1, #5, #9; person 2 #2, #6, #10; …


async def audit(database: Database) -> ChainCheck:
    """What `lotgenoot study verify` finds in the decision log."""
    async with database.snapshot() as session:
        records = await allocation_log(session)
        decisions = await decision_log(session)
        erased = await tombstones(session)
    allocated_at = {record.participant_id: record.allocated_at for record in records}
    return check_chain(decisions, erased, SEED, allocated_at)


def kinds(check: ChainCheck) -> set[MicroProblemKind]:
    return {problem.kind for problem in check.problems}


async def run_sql(database: Database, statement: str) -> None:
    async with database.transaction() as session:
        await session.execute(text(statement))


async def test_an_untouched_decision_log_verifies_as_one_intact_chain(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    check = await audit(database)
    assert check.problems == []
    assert (check.chained, check.legacy, check.erased) == (PEOPLE * DAYS, 0, 0)


async def test_a_deleted_decision_is_named_by_its_number(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await run_sql(database, "DELETE FROM micro_decisions WHERE sequence = 6")
    check = await audit(database)
    deleted = [p for p in check.problems if p.kind is MicroProblemKind.DELETED]
    assert [p.sequence for p in deleted] == [6]
    assert "decision #6 is missing from the chain without an erasure tombstone" in str(deleted[0])


async def test_deleting_all_of_one_persons_decisions_shows(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await run_sql(database, "DELETE FROM micro_decisions WHERE participant_id = 2")
    check = await audit(database)
    deleted = sorted(p.sequence or 0 for p in check.problems if p.kind is MicroProblemKind.DELETED)
    assert deleted == [2, 6, 10]


async def test_an_added_decision_shows_whether_chained_or_not(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    async with database.transaction() as session:
        row = await session.scalar(select(MicroDecision).where(MicroDecision.sequence == 12))
        assert row is not None
        later = row.decision_at + timedelta(days=1)
        # One without a place in the chain, one that claims the next place with a made-up hash.
        for sequence, prev_hash, own in ((None, None, None), (13, row.hash, "f" * 64)):
            session.add(
                MicroDecision(
                    participant_id=row.participant_id,
                    component=row.component,
                    decision_at=later if sequence is None else later + timedelta(days=1),
                    week=1,
                    available=True,
                    probability=row.probability,
                    draw=row.draw,
                    sent=False,
                    recorded_at=later,
                    sequence=sequence,
                    prev_hash=prev_hash,
                    hash=own,
                )
            )
    check = await audit(database)
    assert MicroProblemKind.ADDED in kinds(check)
    assert any(p.kind is MicroProblemKind.EDITED and p.sequence == 13 for p in check.problems), (
        check.problems
    )
    added = next(p for p in check.problems if p.kind is MicroProblemKind.ADDED)
    assert "added after the fact" in str(added)


async def test_a_changed_week_is_named_with_the_week_it_falls_in(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await run_sql(database, "UPDATE micro_decisions SET week = 3 WHERE sequence = 5")
    check = await audit(database)
    assert kinds(check) == {MicroProblemKind.WRONG_WEEK, MicroProblemKind.EDITED}
    week = next(p for p in check.problems if p.kind is MicroProblemKind.WRONG_WEEK)
    assert "says week 3, but it falls in week 1" in str(week)


async def test_decisions_from_before_the_chain_verify_as_legacy(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await run_sql(
        database, "UPDATE micro_decisions SET sequence = NULL, prev_hash = NULL, hash = NULL"
    )
    check = await audit(database)
    assert check.problems == []
    assert (check.chained, check.legacy) == (0, PEOPLE * DAYS)


def erasing_trial() -> Trial:
    """The one-arm MRT whose consent does not keep research data after /delete."""
    data = tomllib.loads(shipped_config("mrt.toml").read_text("utf-8"))
    data["study"]["keep_research_data_after_erasure"] = False
    del data["consent"]["research_record_kept"]  # and its consent no longer says it is kept
    return Trial(validate_protocol(data), SEED, "cli-micro-key")


async def erase_participant(database: Database, clock: FakeClock, participant_id: int) -> None:
    async with database.snapshot() as session:
        person = await session.get(Participant, participant_id)
        assert person is not None
        assert person.telegram_user_id is not None
        user_id = person.telegram_user_id
    clock.advance(timedelta(days=DAYS))
    erasing = replace(erasing_trial(), staff=StaffDirectory(frozenset({1})))
    runner = TurnRunner(database, clock, erasing)
    await Person(runner, user_id=user_id).run(lambda turn, trial: deletion.erase(turn, True, trial))


async def test_lawful_erasure_leaves_keyed_tombstones_and_verifies(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await erase_participant(database, clock, 2)
    async with database.snapshot() as session:
        left = await session.scalars(
            select(MicroDecision.id).where(MicroDecision.participant_id == 2)
        )
        assert list(left) == []  # the research data is gone
    check = await audit(database)
    assert check.problems == []
    assert (check.chained, check.erased, check.erased_people) == (PEOPLE * DAYS - DAYS, DAYS, 1)


async def test_a_deleted_or_forged_tombstone_is_tampering(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await erase_participant(database, clock, 2)
    await run_sql(database, "DELETE FROM micro_erasures WHERE sequence = 6")
    async with database.transaction() as session:
        # An insider hides decision #7 behind a tombstone of their own making.
        row = await session.scalar(select(MicroDecision).where(MicroDecision.sequence == 7))
        assert row is not None
        assert row.prev_hash is not None
        assert row.hash is not None
        session.add(
            MicroErasure(
                sequence=7,
                participant_id=row.participant_id,
                prev_hash=row.prev_hash,
                hash=row.hash,
                erased_at=datetime(2026, 1, 9, tzinfo=UTC),
                mac="0" * 64,
            )
        )
        await session.delete(row)
    check = await audit(database)
    assert [p.sequence for p in check.problems if p.kind is MicroProblemKind.DELETED] == [6]
    assert [p.sequence for p in check.problems if p.kind is MicroProblemKind.FORGED_TOMBSTONE] == [
        7
    ]


async def test_nothing_new_is_decided_for_someone_whose_research_data_was_erased(
    database: Database, clock: FakeClock
) -> None:
    await decided(database, clock, PEOPLE, DAYS)
    await erase_participant(database, clock, 2)
    later = clock.now().replace(hour=17, minute=0) + timedelta(days=1)
    await scan_micro(database, erasing_trial(), later)
    async with database.snapshot() as session:
        theirs = list(
            await session.scalars(select(MicroDecision.id).where(MicroDecision.participant_id == 2))
        )
    assert theirs == []
    assert (await audit(database)).problems == []
