from __future__ import annotations

import asyncio

import pytest

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.services.processed_updates import claim_update
from tests.conftest import ENGINES

pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)


async def test_an_update_delivered_twice_at_once_is_claimed_once(
    database: Database, clock: FakeClock
) -> None:
    async def claim() -> bool:
        async with database.transaction() as session:
            return await claim_update(session, 4242, clock.now())

    results = await asyncio.gather(*(claim() for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
