from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.db.engine import Database
from bot.leadership import DutiesFactory, FileLease, lead_while_possible, lease_for
from tests.conftest import ENGINES


async def test_only_one_file_lease_is_held_at_a_time(tmp_path: Path) -> None:
    first, second = FileLease(tmp_path / "db.leader"), FileLease(tmp_path / "db.leader")
    assert await first.try_acquire()
    assert not await second.try_acquire()
    await first.release()
    assert await second.try_acquire()
    await second.release()


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
async def test_one_leader_and_the_other_takes_over_when_it_stops(database: Database) -> None:
    """Two contenders share the database; only one works; stopping it hands over the work."""
    working: list[str] = []
    elected, handed_over = asyncio.Event(), asyncio.Event()

    def duties_of(name: str) -> DutiesFactory:
        async def duties(until: asyncio.Event) -> None:
            working.append(name)
            elected.set()
            if len(working) == 2:
                handed_over.set()
            await until.wait()

        return duties

    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(
        lead_while_possible(lease_for(database), duties_of("a"), stop_a, retry_s=0.05)
    )
    b = asyncio.create_task(
        lead_while_possible(lease_for(database), duties_of("b"), stop_b, retry_s=0.05)
    )
    async with asyncio.timeout(5):
        await elected.wait()
    leader = working[0]
    (stop_a if leader == "a" else stop_b).set()
    async with asyncio.timeout(5):
        await handed_over.wait()
    (stop_b if leader == "a" else stop_a).set()
    await asyncio.gather(a, b)
    assert sorted(working) == ["a", "b"]
