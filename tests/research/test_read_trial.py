"""The research read: the database writes each row as a line of CSV, Arrow parses the lines."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest
from sqlalchemy import update

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, Participant, Site
from bot.research import frames, read_trial, reading
from experiments.records import EventKind

from .conftest import populate


def after_populate(clock: FakeClock) -> datetime:
    """A data date after everything `populate` writes (its people enrol on later days)."""
    return clock.now() + timedelta(days=60)


AWKWARD_SITE = "O'Brien, \"de Ruyter\"\nNULL 'x'"
AWKWARD_DETAIL = {"what": "it's \"quoted\"\n, and 'more'", "count": 3, "none": None}


async def test_texts_with_quotes_commas_newlines_and_null_are_read_as_written(
    database: Database, clock: FakeClock
) -> None:
    ids = await populate(database, clock)
    async with database.transaction() as session:
        await session.execute(update(Site).values(name=AWKWARD_SITE))
        await session.execute(
            update(Event).where(Event.id == 1).values(source="NULL", detail=AWKWARD_DETAIL)
        )
        await session.execute(update(Event).where(Event.id == 2).values(source="'", detail={}))
        await session.execute(update(Event).where(Event.id == 3).values(source=""))
    raw = await read_trial(database, after_populate(clock))
    assert list(raw["sites"]["name"]) == [AWKWARD_SITE]
    events = raw["events"].set_index("id")
    assert events.loc[1, "source"] == "NULL"  # the text, not a missing value
    assert events.loc[3, "source"] == ""
    assert events.loc[1, "detail"] == AWKWARD_DETAIL
    assert events.loc[2, "source"] == "'"
    assert events.loc[2, "detail"] is None
    people = raw["participants"].set_index("id")
    assert pd.isna(people.loc[ids[-1], "paused_at"])  # NULL stays missing, never "NULL"
    assert people.loc[ids[0], "consent_version"] == "2026-01"


async def test_columns_keep_the_types_the_export_expects(
    database: Database, clock: FakeClock
) -> None:
    ids = await populate(database, clock)
    moment = datetime(1999, 12, 31, 23, 59, 59, 654321, tzinfo=UTC)
    async with database.transaction() as session:
        await session.execute(
            update(Participant).where(Participant.id == ids[0]).values(paused_at=moment)
        )
    raw = await read_trial(database, after_populate(clock))
    people, events = raw["participants"], raw["events"]
    assert str(people["id"].dtype) == "int64"
    assert str(people["consented_at"].dtype) == "datetime64[us, UTC]"
    assert people.set_index("id").loc[ids[0], "paused_at"] == pd.Timestamp(moment)
    assert str(people["commitment_cents"].dtype) == "float64"  # some missing
    assert people["goal_target_cents"].dtype == object  # all missing
    assert list(people["goal_target_cents"]) == [None] * len(people)
    assert str(people["withdrawn_at"].dtype) == "datetime64[s, UTC]"  # none set
    assert str(events["kind"].dtype) == "str"
    assert str(raw["survey_answers"]["value"].dtype) == "int64"


async def test_an_empty_database_reads_empty_tables(database: Database) -> None:
    raw = await read_trial(database, datetime(2026, 1, 5, tzinfo=UTC))
    assert all(frame.empty for frame in raw.frames.values())
    assert list(raw["events"].columns)[:3] == ["id", "participant_id", "kind"]


async def test_rows_written_while_reading_are_not_read(
    database: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All tables come from one snapshot: an event added after the read began is not in it."""
    ids = await populate(database, clock)
    parsed = frames.parsed

    async def add_event() -> None:
        other = Database(database.url)  # another process, as it were
        try:
            async with other.transaction() as session:
                session.add(
                    Event(
                        participant_id=ids[0],
                        kind=EventKind.DEPOSIT,
                        amount_cents=1,
                        detail={},
                        occurred_at=clock.now(),
                        source="telegram",
                        dedupe_key="written-while-reading",
                    )
                )
        finally:
            await other.dispose()

    def parse_then_write(lines: str, table: str, **options: bool) -> object:
        if table == "participants":  # read before the events
            writer = threading.Thread(target=asyncio.run, args=(add_event(),))
            writer.start()
            writer.join()  # committed before the events are read
        return parsed(lines, table, **options)

    monkeypatch.setattr(reading, "parsed", parse_then_write)
    assert len((await read_trial(database, after_populate(clock)))["events"]) == 25
    monkeypatch.setattr(reading, "parsed", parsed)
    assert len((await read_trial(database, after_populate(clock)))["events"]) == 26


async def test_small_pages_read_the_same_rows_in_the_same_order(
    database: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await populate(database, clock)
    whole = await read_trial(database, after_populate(clock))
    monkeypatch.setattr(reading, "_SLICE", 7)  # 25 events: four pages, the last one short
    paged = await read_trial(database, after_populate(clock))
    for name, frame in whole.frames.items():
        pd.testing.assert_frame_equal(paged[name], frame)
    assert list(paged["events"]["id"]) == sorted(paged["events"]["id"])


def test_a_page_joined_out_of_order_is_put_in_key_order() -> None:
    lines = "\n".join(f"{key},{key},'Site {key}'" for key in (3, 1, 2))
    page = frames.parsed(lines, "sites", keyed=True)
    assert page.column_names == ["id", "name"]
    assert page.column("name").to_pylist() == ["Site 1", "Site 2", "Site 3"]
