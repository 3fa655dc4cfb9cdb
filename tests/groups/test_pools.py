"""Forming groups from the pools: sizes, filling, the wait limit, and counsellors in turn."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.groups import FormationDecision, GroupMember, PeerGroup, PoolEntry
from bot.db.study import IntakeStep, Participant, Role, Site, StaffMember
from bot.services.peer_groups.binding import assign_counsellors
from bot.services.peer_groups.formation import form_groups, split_sizes
from bot.services.peer_groups.pools import enter_pool
from bot.services.trial import Trial
from tests.experiments.shipped import shipped_protocol
from tests.groups.world import SQLITE_ONLY, small_groups

_ids = itertools.count(900_000_001)


@pytest.fixture
def trial() -> Trial:
    """Groups of 3 to 5; pools wait at most the shipped 14 days."""
    return Trial(small_groups(shipped_protocol()), "pool-tests", "pool-key")


async def _waiting(
    database: Database,
    clock: FakeClock,
    trial: Trial,
    count: int,
    band: str = "26-35",
    arm: str = "peer",
) -> None:
    async with database.transaction() as session:
        site = await session.scalar(select(Site)) or Site(name="Utrecht", created_at=clock.now())
        session.add(site)
        await session.flush()
        for _ in range(count):
            participant = Participant(
                telegram_user_id=next(_ids), site_id=site.id, language="nl",
                consent_version="2026-01", consented_at=clock.now(), step=IntakeStep.DONE,
                age_band=band, track="savings", arm=arm,
            )  # fmt: skip
            session.add(participant)
            await session.flush()
            await enter_pool(session, participant, trial, clock.now())


async def _form(database: Database, clock: FakeClock, trial: Trial) -> list[PeerGroup]:
    async with database.transaction() as session:
        return (await form_groups(session, trial, clock.now())).formed


async def _decisions(database: Database) -> list[tuple[str, str, int | None]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(
                FormationDecision.decision, FormationDecision.age_band, FormationDecision.size
            ).order_by(FormationDecision.id)
        )
        return [(decision, band, size) for decision, band, size in rows]


@SQLITE_ONLY
async def test_only_arms_with_peer_groups_enter_the_pool(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    await _waiting(database, clock, trial, 2, arm="text")
    await _waiting(database, clock, trial, 1, arm="control")
    async with database.transaction() as session:
        assert list(await session.scalars(select(PoolEntry))) == []


@given(st.integers(0, 300), st.integers(2, 30), st.integers(0, 30))
def test_split_sizes_are_valid_and_leave_fewer_than_a_group_waiting(
    waiting: int, smallest: int, extra: int
) -> None:
    largest = smallest + extra
    sizes = split_sizes(waiting, smallest, largest)
    assert all(smallest <= size <= largest for size in sizes)
    assert sum(sizes) <= waiting
    assert waiting - sum(sizes) < smallest
    assert not sizes or max(sizes) - min(sizes) <= 1 or max(sizes) == largest


def test_25_split_into_13_and_12() -> None:
    assert split_sizes(25, 10, 15) == [13, 12]


@SQLITE_ONLY
async def test_a_pool_below_the_minimum_waits(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    await _waiting(database, clock, trial, 2)
    assert await _form(database, clock, trial) == []
    assert await _decisions(database) == []


@SQLITE_ONLY
async def test_late_arrivals_fill_a_group_that_is_not_bound_yet(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    await _waiting(database, clock, trial, 3)
    [group] = await _form(database, clock, trial)
    await _waiting(database, clock, trial, 4)
    await _form(database, clock, trial)
    async with database.transaction() as session:
        sizes = list(
            await session.execute(
                select(GroupMember.group_id, GroupMember.id).order_by(GroupMember.id)
            )
        )
    assert [row[0] for row in sizes].count(group.id) == 5
    assert [d for d, _b, _s in await _decisions(database)] == ["formed", "filled"]


async def test_past_the_wait_limit_a_pool_merges_with_its_neighbour_band(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    await _waiting(database, clock, trial, 1, band="26-35")
    await _waiting(database, clock, trial, 1, band="21-25")
    await _waiting(database, clock, trial, 1, band="36-49")
    await _waiting(database, clock, trial, 1, band="36-49")
    clock.advance(timedelta(days=14))
    [group] = await _form(database, clock, trial)
    assert group.age_band == "26-35+36-49"
    assert group.formed_size == 3
    assert ("merged", "26-35+36-49", 3) in await _decisions(database)


@SQLITE_ONLY
async def test_past_the_wait_limit_a_pool_alone_forms_a_smaller_group(
    database: Database, clock: FakeClock
) -> None:
    trial = Trial(small_groups(shipped_protocol(), min_size=5), "x", "x-key")
    await _waiting(database, clock, trial, 4)
    assert await _form(database, clock, trial) == []
    clock.advance(timedelta(days=14))
    [group] = await _form(database, clock, trial)
    assert group.formed_size == 4
    assert [d for d, _b, _s in await _decisions(database)] == ["formed_small"]


@SQLITE_ONLY
async def test_one_person_past_the_wait_limit_is_not_placeable_logged_once(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    await _waiting(database, clock, trial, 1)
    clock.advance(timedelta(days=15))
    await _form(database, clock, trial)
    clock.advance(timedelta(hours=1))
    await _form(database, clock, trial)
    assert [d for d, _b, _s in await _decisions(database)] == ["not_placeable"]


@SQLITE_ONLY
async def test_groups_go_to_active_counsellors_in_turn(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    async with database.transaction() as session:
        staff = [
            StaffMember(telegram_user_id=next(_ids), role=Role.COUNSELLOR, joined_at=clock.now(),
                        last_active_at=clock.now(), active=active)
            for active in (True, False, True)
        ]  # fmt: skip
        session.add_all(staff)
    await _waiting(database, clock, trial, 15)
    await _form(database, clock, trial)
    async with database.transaction() as session:
        await assign_counsellors(session, trial, clock.now())
        chosen = list(await session.scalars(select(PeerGroup.counsellor_id).order_by(PeerGroup.id)))
    assert chosen == [staff[0].id, staff[2].id, staff[0].id]
