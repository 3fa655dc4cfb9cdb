"""Allocation: once per participant, serialized across transactions, one stratum at a time."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Allocation, IntakeStep, Participant, ParticipantStatus, Site
from bot.services.participants.allocation import allocate, allocation_log
from bot.services.trial import Trial
from experiments.allocation import AllocationSequence, verify
from experiments.protocol import Track
from tests.conftest import ENGINES
from tests.experiments.shipped import shipped_protocol

pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)

SEED = "unit-test-allocation-seed"
TRACK = Track.SAVINGS


@pytest.fixture
def trial() -> Trial:
    """The default three-arm study with a known seed."""
    return Trial(shipped_protocol(), SEED, "allocation-test-key")


def band(trial: Trial) -> str:
    return trial.protocol.age_bands[1].label


def expected_arms(trial: Trial, site: str, count: int) -> list[str]:
    protocol = trial.protocol
    stratum = protocol.stratum_key(TRACK, band(trial), site)
    weights = protocol.arm_weights()
    multiples = protocol.randomization.block_multiples
    return AllocationSequence(SEED, stratum, weights, multiples).prefix(count)


async def enroll(
    database: Database, trial: Trial, site: str, count: int, now: datetime
) -> list[int]:
    """Participants at the end of their intake at `site` (created if new); their ids."""
    async with database.transaction() as session:
        found = await session.scalar(select(Site).where(Site.name == site))
        if found is None:
            found = Site(name=site, created_at=now)
            session.add(found)
            await session.flush()
        people = [
            Participant(
                telegram_user_id=None,
                site_id=found.id,
                language="nl",
                consent_version=trial.protocol.study.consent_version,
                consented_at=now,
                step=IntakeStep.COMMITMENT,
                birth_year=2003,
                age_band=band(trial),
                track=TRACK,
                status=ParticipantStatus.ACTIVE,
            )
            for _ in range(count)
        ]
        session.add_all(people)
        await session.flush()
        return [person.id for person in people]


async def allocate_in_own_transaction(
    database: Database, trial: Trial, participant_id: int, now: datetime
) -> str:
    async with database.transaction() as session:
        participant = await session.get(Participant, participant_id)
        assert participant is not None
        return await allocate(session, participant, trial, now)


async def rows(database: Database) -> list[Allocation]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Allocation).order_by(Allocation.sequence)))


async def test_participant_is_allocated_once(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    (person,) = await enroll(database, trial, "utrecht", 1, clock.now())
    first = await allocate_in_own_transaction(database, trial, person, clock.now())
    again = await allocate_in_own_transaction(database, trial, person, clock.now())
    assert again == first
    async with database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Allocation))
        participant = await session.get(Participant, person)
    assert count == 1
    assert participant is not None
    assert participant.arm == first


async def test_concurrent_allocations_follow_the_sequence_in_an_intact_chain(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    people = await enroll(database, trial, "utrecht", 200, clock.now())
    arms = await asyncio.gather(
        *(allocate_in_own_transaction(database, trial, p, clock.now()) for p in people)
    )
    log = await rows(database)
    assert sorted(row.position for row in log) == list(range(200))
    by_position = [row.arm for row in sorted(log, key=lambda row: row.position)]
    assert by_position == expected_arms(trial, "utrecht", 200)
    assert dict(zip(people, arms, strict=True)) == {row.participant_id: row.arm for row in log}
    async with database.transaction() as session:
        records = await allocation_log(session)
    protocol = trial.protocol
    weights, multiples = protocol.arm_weights(), protocol.randomization.block_multiples
    assert verify(records, SEED, weights, block_multiples=multiples) == []


async def test_simultaneous_allocations_of_one_participant_agree(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    (person,) = await enroll(database, trial, "utrecht", 1, clock.now())
    arms = await asyncio.gather(
        *(allocate_in_own_transaction(database, trial, person, clock.now()) for _ in range(2))
    )
    assert arms[0] == arms[1]
    assert len(await rows(database)) == 1


async def test_strata_are_independent(database: Database, clock: FakeClock, trial: Trial) -> None:
    utrecht = await enroll(database, trial, "utrecht", 3, clock.now())
    zwolle = await enroll(database, trial, "zwolle", 3, clock.now())
    for first, second in zip(utrecht, zwolle, strict=True):
        await allocate_in_own_transaction(database, trial, first, clock.now())
        await allocate_in_own_transaction(database, trial, second, clock.now())
    log = await rows(database)
    positions = {row.participant_id: row.position for row in log}
    assert [positions[p] for p in utrecht] == [0, 1, 2]
    assert [positions[p] for p in zwolle] == [0, 1, 2]
    arms = {row.participant_id: row.arm for row in log}
    assert [arms[p] for p in zwolle] == expected_arms(trial, "zwolle", 3)
