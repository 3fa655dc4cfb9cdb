"""Shared by the delivery benchmarks: a migrated database full of enrolled participants."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.study import Allocation, IntakeStep, Participant, ParticipantStatus, Site
from bot.paths import shipped_config
from bot.services.trial import Trial
from experiments.protocol import Track, load_protocol

CHUNK = 5_000


def shipped_trial() -> Trial:
    """The default three-arm study, with a seed only benchmarks use."""
    return Trial(
        protocol=load_protocol(shipped_config("study.toml")),
        allocation_seed="bench",
        pseudonym_key="bench",
    )


async def migrated(path: Path) -> Database:
    """A new SQLite database at `path`, migrated to head."""
    database = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(database)
    return database


@asynccontextmanager
async def fresh_postgres(server_url: str) -> AsyncIterator[Database]:
    """A new database on the PostgreSQL server at `server_url`, migrated, dropped afterwards."""
    name = f"lotgenoot_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url.replace("+asyncpg", ""))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        database = Database(server_url.rsplit("/", 1)[0] + f"/{name}")
        try:
            await upgrade(database)
            yield database
        finally:
            await database.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass(frozen=True)
class Cohort:
    """Who to enroll: how many, which Telegram ids (the first ones), and how many are due."""

    count: int
    now: datetime
    arm: str = "text"
    telegram_ids: Sequence[int] = ()
    due_share: float = 0.0  # missed their last period and are due an encouragement


async def enroll(database: Database, trial: Trial, cohort: Cohort) -> None:
    """Participants at the end of their intake, allocated, saving; in a few bulk statements.

    The allocation rows carry placeholder hashes: no benchmark verifies the chain.
    """
    now = cohort.now
    period = trial.protocol.schedule.commitment_period
    band = trial.protocol.age_bands[1].label
    stratum = trial.protocol.stratum_key(Track.SAVINGS, band, "bench")
    due_every = round(1 / cohort.due_share) if cohort.due_share else 0
    async with database.transaction() as session:
        site = Site(name="bench", created_at=now)
        session.add(site)
        await session.flush()
        site_id = site.id
    for start in range(0, cohort.count, CHUNK):
        people: list[dict[str, Any]] = []
        allocations: list[dict[str, Any]] = []
        for n in range(start + 1, min(start + CHUNK, cohort.count) + 1):
            due = bool(due_every) and n % due_every == 0
            # a due one's period ended a day ago; the others' ends in four days
            started = period + timedelta(days=1) if due else timedelta(days=3)
            telegram_id = (
                cohort.telegram_ids[n - 1] if n <= len(cohort.telegram_ids) else 9_000_000_000 + n
            )
            people.append(
                {
                    "id": n,
                    "telegram_user_id": telegram_id,
                    "site_id": site_id,
                    "language": "nl",
                    "consent_version": trial.protocol.study.consent_version,
                    "consented_at": now - timedelta(days=30),
                    "step": IntakeStep.DONE,
                    "birth_year": 2002,
                    "age_band": band,
                    "track": "savings",
                    "commitment_cents": 1000,
                    "stratum": stratum,
                    "arm": cohort.arm,
                    "allocated_at": now - timedelta(days=30),
                    "status": ParticipantStatus.ACTIVE,
                    "period_start": now - started,
                    "next_encouragement_at": now + (-timedelta(hours=1) if due else period),
                    "survey_reminders_left": 0,
                }
            )
            allocations.append(
                {
                    "sequence": n,
                    "participant_id": n,
                    "stratum": stratum,
                    "position": n - 1,
                    "arm": cohort.arm,
                    "allocated_at": now - timedelta(days=30),
                    "prev_hash": f"{n - 1:064x}",
                    "hash": f"{n:064x}",
                }
            )
        async with database.transaction() as session:
            await session.execute(insert(Participant), people)
            await session.execute(insert(Allocation), allocations)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Seconds the block took, in the one-element list it yields (filled when it ends)."""
    took: list[float] = []
    start = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - start)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned table; the first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for number, row in enumerate(cells):
        rest = zip(row[1:], widths[1:], strict=True)
        parts = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in rest]
        lines.append("  ".join(parts))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
