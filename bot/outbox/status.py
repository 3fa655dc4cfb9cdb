"""What `lotgenoot status` reads: the outbox's counters from the table, and head counts beside.

Every figure comes from the database, so it covers every process that ever sent, not just one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.study import Participant
from bot.outbox.messages import Priority

M = OutboxMessage


@dataclass(frozen=True)
class LaneBacklog:
    """What is due and waiting in one priority lane: replies should never wait long, and a
    broadcast draining shows here as a bulk backlog."""

    lane: Priority
    due: int = 0
    oldest_waiting: timedelta | None = None


@dataclass(frozen=True)
class OutboxCounts:
    """Queue depth, backlog age and how messages ended."""

    pending_due: int = 0
    pending_later: int = 0
    sending: int = 0
    sending_expired: int = 0  # a sender died holding these; they are retried
    oldest_due_waiting: timedelta | None = None
    sent: int = 0
    retries: int = 0  # attempts beyond each message's first
    failed: Counter[str] = field(default_factory=Counter)  # by reason: unreachable, gave up, …
    cancelled: int = 0
    lanes: tuple[LaneBacklog, ...] = tuple(LaneBacklog(lane) for lane in Priority)


@dataclass(frozen=True)
class HeadCount:
    """How many of something there are in one state and arm."""

    status: str
    arm: str | None
    count: int


async def outbox_counts(
    session: AsyncSession, *, now: datetime, wall_now: datetime
) -> OutboxCounts:
    """The outbox's state at `now` (study clock); leases are judged by `wall_now`."""
    pending = M.status == OutboxStatus.PENDING
    sending = M.status == OutboxStatus.SENDING
    due = and_(pending, M.not_before <= now)
    row = (
        await session.execute(
            select(
                func.count().filter(due),
                func.count().filter(pending, M.not_before > now),
                func.count().filter(sending),
                func.count().filter(sending, M.lease_until < wall_now),
                func.min(case((due, M.not_before), else_=None)),
                func.count().filter(M.status == OutboxStatus.SENT),
                func.coalesce(func.sum(case((M.attempts > 1, M.attempts - 1), else_=0)), 0),
                func.count().filter(M.status == OutboxStatus.CANCELLED),
            )
        )
    ).one()
    oldest: datetime | None = row[4]
    return OutboxCounts(
        pending_due=row[0],
        pending_later=row[1],
        sending=row[2],
        sending_expired=row[3],
        oldest_due_waiting=None if oldest is None else max(now - oldest, timedelta(0)),
        sent=row[5],
        retries=int(row[6]),
        failed=await _failures(session),
        cancelled=row[7],
        lanes=await _lanes(session, now),
    )


async def _lanes(session: AsyncSession, now: datetime) -> tuple[LaneBacklog, ...]:
    """Due rows and the oldest one's wait, per lane (every lane, empty ones too)."""
    due = and_(M.status == OutboxStatus.PENDING, M.not_before <= now)
    rows = await session.execute(
        select(M.priority, func.count(), func.min(M.not_before)).where(due).group_by(M.priority)
    )
    found = {lane: (count, oldest) for lane, count, oldest in rows}
    backlog = []
    for lane in Priority:
        count, oldest = found.get(lane, (0, None))
        waiting = None if oldest is None else max(now - oldest, timedelta(0))
        backlog.append(LaneBacklog(lane, count, waiting))
    return tuple(backlog)


async def _failures(session: AsyncSession) -> Counter[str]:
    """Failed messages by the first word(s) of their reason ("unreachable", "gave up", …)."""
    rows = await session.execute(
        select(M.last_error, func.count())
        .where(M.status == OutboxStatus.FAILED)
        .group_by(M.last_error)
    )
    failed: Counter[str] = Counter()
    for reason, count in rows:
        failed[(reason or "unknown").split(":")[0]] += count
    return failed


async def participants_by_status_and_arm(session: AsyncSession) -> list[HeadCount]:
    rows = await session.execute(
        select(Participant.status, Participant.arm, func.count())
        .group_by(Participant.status, Participant.arm)
        .order_by(Participant.status, Participant.arm)
    )
    return [HeadCount(str(status), arm, count) for status, arm, count in rows]


async def groups_by_status_and_arm(session: AsyncSession) -> list[HeadCount] | None:
    """Peer groups by status and arm, or None when this database has no peer groups table."""
    connection = await session.connection()
    if not await connection.run_sync(_has_peer_groups):
        return None
    rows = await session.execute(
        text("SELECT status, arm, count(*) FROM peer_groups GROUP BY status, arm ORDER BY 1, 2")
    )
    return [HeadCount(str(status), arm, int(count)) for status, arm, count in rows]


def _has_peer_groups(connection: Connection) -> bool:
    return inspect(connection).has_table("peer_groups")
