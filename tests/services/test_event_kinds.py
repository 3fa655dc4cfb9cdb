"""Event kinds are one vocabulary where data is written, not only where it is read."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import StatementError

from bot.clock import FakeClock
from bot.db.base import table_of
from bot.db.engine import Database
from bot.db.study import Event
from experiments.records import EventKind
from tests.services.conftest import Person, enroll, participant_of


async def test_an_event_reads_back_as_its_kind(
    database: Database, clock: FakeClock, person: Person
) -> None:
    await enroll(person, person.runner)
    participant = await participant_of(person)
    async with database.transaction() as session:
        session.add(
            Event(
                participant_id=participant.id,
                kind=EventKind.DEPOSIT,
                amount_cents=500,
                occurred_at=clock.now(),
                source="telegram",
            )
        )
    async with database.snapshot() as session:
        kinds = list(await session.scalars(select(Event.kind)))
    assert kinds == [EventKind.DEPOSIT]
    assert isinstance(kinds[0], EventKind)


async def test_a_misspelt_kind_is_refused_and_nothing_is_written(
    database: Database, clock: FakeClock, person: Person
) -> None:
    await enroll(person, person.runner)
    participant = await participant_of(person)
    row = {
        "participant_id": participant.id,
        "kind": "deposti",
        "detail": {},
        "occurred_at": clock.now(),
        "source": "telegram",
    }
    with pytest.raises(StatementError, match="deposti"):
        async with database.transaction() as session:
            await session.execute(insert(table_of(Event)), row)
    with pytest.raises(StatementError, match="deposti"):
        async with database.transaction() as session:
            await session.execute(update(Event).values(kind="deposti"))
    async with database.snapshot() as session:
        assert list(await session.scalars(select(Event.kind))) == []
