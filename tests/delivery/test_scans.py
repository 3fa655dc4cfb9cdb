"""Nudge scans: set-based texts, one message per due nudge, committed a chunk at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus, Site
from bot.paths import shipped_config
from bot.scheduler import scan_in_chunks
from bot.services.ledger import Goal, Ledger
from bot.services.participants.nudges import ScanResult, scan_periods
from bot.services.trial import Trial
from experiments.protocol import Track, load_protocol
from experiments.records import EventKind, Logged

TRIAL = Trial(
    protocol=load_protocol(shipped_config("study.toml")),
    allocation_seed="scans",
    pseudonym_key="scans-key",
)
PERIOD = TRIAL.protocol.schedule.commitment_period


async def savers(database: Database, now: datetime, *, missed: int, saved: int) -> None:
    """`missed` savers whose last period ended an hour ago empty, `saved` who deposited in it."""
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=now)
        session.add(site)
        await session.flush()
        for n in range(missed + saved):
            participant = Participant(
                telegram_user_id=700 + n,
                site_id=site.id,
                language="nl",
                consent_version="1",
                consented_at=now - 2 * PERIOD,
                step=IntakeStep.DONE,
                status=ParticipantStatus.ACTIVE,
                arm="text",
                track="savings",
                commitment_cents=1000,
                period_start=now - PERIOD - timedelta(hours=1),
                next_encouragement_at=now + PERIOD,
            )
            session.add(participant)
            await session.flush()
            if n >= missed:
                session.add(deposit(participant.id, now - timedelta(days=2)))


def deposit(participant_id: int, at: datetime) -> Event:
    return Event(
        participant_id=participant_id,
        kind=EventKind.DEPOSIT,
        amount_cents=500,
        detail={},
        occurred_at=at,
        source="telegram",
        dedupe_key=f"test:{participant_id}:{at.isoformat()}",
    )


async def reminded(database: Database) -> list[int | None]:
    async with database.transaction() as session:
        found = await session.scalars(
            select(OutboxMessage.chat_id)
            .where(OutboxMessage.kind == "reminder")
            .order_by(OutboxMessage.chat_id)
        )
        return list(found)


async def test_a_scan_larger_than_a_chunk_reminds_each_missed_saver_once(
    database: Database, clock: FakeClock
) -> None:
    now = clock.now()
    await savers(database, now, missed=5, saved=2)
    chunks: list[ScanResult] = []

    async def counted_scan(
        session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
    ) -> ScanResult:
        chunks.append(await scan_periods(session, trial, now, limit=limit))
        return chunks[-1]

    result = await scan_in_chunks(database, TRIAL, counted_scan, now, chunk=3)
    again = await scan_in_chunks(database, TRIAL, counted_scan, now, chunk=3)

    assert await reminded(database) == [700, 701, 702, 703, 704]
    assert (result.due, result.enqueued) == (7, 5)
    assert [chunk.due for chunk in chunks] == [3, 3, 1, 0], "committed three at a time"
    assert (again.due, again.enqueued) == (0, 0)
    async with database.transaction() as session:
        still_due = await session.scalar(
            select(func.count()).where(Participant.period_start <= now - PERIOD)
        )
    assert still_due == 0


def test_the_ledger_counts_a_window_from_its_start_up_to_its_end() -> None:
    start = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
    end = start + PERIOD

    def logged(kind: str, at: datetime, cents: int = 0, quantity: int = 0) -> Logged:
        return Logged(kind, cents, quantity, at)

    history = Ledger(
        [
            logged("deposit", start - timedelta(seconds=1), cents=100),
            logged("deposit", start, cents=250),
            logged("deposit_correction", start + timedelta(days=1), cents=-250),
            logged("deposit", end - timedelta(seconds=1), cents=700),
            logged("deposit", end, cents=1000),
            logged("applied", start, quantity=1),
            logged("applied", end, quantity=1),
            logged("interview", start, quantity=1),
        ]
    )
    assert history.saved(start, end) == 700
    assert history.saved(start) == 1700
    assert history.counted("applied", start, end) == 1
    assert history.counted("applied", start) == 2
    assert history.deposits_made() == 3


def test_a_streak_counts_back_the_periods_that_met_the_goal() -> None:
    first = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
    ledger = Ledger(
        [
            Logged("applied", 0, 2, first + timedelta(days=1)),  # week 1: goal of 2 met
            Logged("applied", 0, 1, first + PERIOD + timedelta(days=1)),  # week 2: one short
            Logged("applied", 0, 2, first + 2 * PERIOD),  # week 3: met
            Logged("applied", 0, 3, first + 3 * PERIOD + timedelta(days=6)),  # week 4: met
        ]
    )
    goal = Goal(Track.JOBSEARCH, cents=0, applications=2)
    assert ledger.streak(goal, first, first + 4 * PERIOD, PERIOD) == 2
    assert ledger.streak(goal, first, first + 2 * PERIOD, PERIOD) == 0
    assert ledger.goal_met(Goal(Track.SAVINGS, 1000, 0), first, first + PERIOD) is False
