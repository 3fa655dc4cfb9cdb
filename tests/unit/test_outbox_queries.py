"""The sender's claim must stay cheap as the outbox fills with sent rows (SQLite query plans)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.engine.url import make_url

from bot.db.engine import Database
from bot.outbox.store import CLAIM

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_claim_reads_only_unfinished_rows_through_their_partial_index(
    database: Database,
) -> None:
    # the sender claims after nearly every delivery; a scan of every message ever sent would
    # make each claim slower as the trial goes on
    compiled = CLAIM.compile(dialect=database.engine.dialect)
    path = make_url(database.url).database
    assert path is not None
    with sqlite3.connect(path) as connection:
        plan = connection.execute(
            f"EXPLAIN QUERY PLAN {compiled}", [None] * len(compiled.positiontup or [])
        ).fetchall()
    steps = [str(row[-1]) for row in plan]
    assert not [step for step in steps if step.startswith("SCAN outbox_messages")], steps
    assert sum("USING INDEX ix_outbox_messages_due" in step for step in steps) >= 2, steps
