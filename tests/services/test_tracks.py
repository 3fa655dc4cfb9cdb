"""The track is one vocabulary where data is written: a Track, stored as its plain string."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import StatementError

from bot.db.engine import Database
from bot.db.study import Participant
from experiments.protocol import Track
from tests.services.conftest import Person, enroll, participant_of


async def test_a_chosen_track_reads_back_as_a_track_stored_as_its_string(
    database: Database, person: Person
) -> None:
    await enroll(person, person.runner)
    participant = await participant_of(person)
    async with database.snapshot() as session:
        [track] = list(await session.scalars(select(Participant.track)))
        stored = await session.scalar(text("SELECT track FROM participants"))
    assert track is participant.track
    assert isinstance(track, Track)
    assert stored == track.value


async def test_a_misspelt_track_is_refused_and_nothing_is_written(
    database: Database, person: Person
) -> None:
    await enroll(person, person.runner)
    before = (await participant_of(person)).track
    with pytest.raises(StatementError, match="savigns"):
        async with database.transaction() as session:
            await session.execute(update(Participant).values(track="savigns"))
    assert (await participant_of(person)).track is before
