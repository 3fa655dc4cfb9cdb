"""Benchmark: finding due nudges among 100,000 participants on SQLite (target < 2 s).

    .venv/bin/python -m bench.scan [--participants 100000] [--due 0.01 0.1]

For each share of participants due (their last period missed, an encouragement due), a fresh
database is filled and the scheduler's nudge scans are timed as it runs them: reminders,
encouragements and survey invitations, each in committed chunks (`scan_in_chunks`). "find" is
the due-row query alone.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from sqlalchemy import func, or_, select

from bench._study import Cohort, enroll, migrated, shipped_trial, stopwatch, table
from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, ParticipantStatus
from bot.scheduler import scan_in_chunks
from bot.services.participants.nudges import scan_encouragements, scan_periods
from bot.services.participants.surveys import scan_surveys
from bot.services.trial import Trial

TARGET_S = 2.0


async def find_due(database: Database, trial: Trial) -> tuple[int, float]:
    """The due-row query the scans start from, alone: how many, and how long it took."""
    now = SystemClock().now()
    period = trial.protocol.schedule.commitment_period
    with stopwatch() as took:
        async with database.transaction() as session:
            count = await session.scalar(
                select(func.count()).where(
                    Participant.status == ParticipantStatus.ACTIVE,
                    Participant.step == IntakeStep.DONE,
                    or_(
                        Participant.period_start <= now - period,
                        Participant.next_encouragement_at <= now,
                    ),
                )
            )
    return int(count or 0), took[0]


async def one_share(participants: int, share: float, folder: Path) -> list[object]:
    trial = shipped_trial()
    database = await migrated(folder / f"scan-{share}.db")
    try:
        with stopwatch() as filling:
            await enroll(
                database, trial, Cohort(participants, SystemClock().now(), due_share=share)
            )
        due, find_s = await find_due(database, trial)
        now = SystemClock().now()
        with stopwatch() as scanning:
            enqueued = 0
            for scan in (scan_periods, scan_encouragements, scan_surveys):
                enqueued += (await scan_in_chunks(database, trial, scan, now)).enqueued
        verdict = "ok" if scanning[0] < TARGET_S else "over"
        return [
            f"{share:.1%}",
            f"{filling[0]:.1f}",
            due,
            f"{find_s:.3f}",
            enqueued,
            f"{scanning[0]:.2f}",
            verdict,
        ]
    finally:
        await database.dispose()


async def main(participants: int, shares: list[float]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for share in shares:
            rows.append(await one_share(participants, share, Path(folder)))
            print(f"  done: {share:.1%} due", flush=True)
    print(f"\nscan: {participants:,} participants (arm text, savings) on SQLite")
    headers = ["due", "fill s", "due rows", "find s", "enqueued", "scan s", f"< {TARGET_S:g} s"]
    print(table(headers, rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--due", type=float, nargs="+", default=[0.001, 0.01])
    args = parser.parse_args()
    asyncio.run(main(args.participants, args.due))
