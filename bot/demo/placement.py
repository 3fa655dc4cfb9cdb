"""Nobody left waiting, as the demo measures it: of the peer participants who did not stop and
could be placed, how many were in a group by `pool_max_wait` + one week (target: all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import PoolEntry
from bot.db.study import Event, Participant, ParticipantStatus
from experiments.protocol import Protocol
from experiments.records import EventKind

GRACE = timedelta(days=7)  # the week past the wait limit the target allows


@dataclass(frozen=True)
class Placement:
    """Peer participants who did not stop and whose deadline (wait limit + a week) passed."""

    due: int = 0  # … of whom placeable (or placed)
    in_time: int = 0  # … placed by the deadline
    not_placeable: int = 0  # told that no group could take them, and never placed
    deadline: timedelta = timedelta(0)

    @property
    def share(self) -> float | None:
        return self.in_time / self.due if self.due else None


async def placement_counts(session: AsyncSession, protocol: Protocol, end: datetime) -> Placement:
    """Count, at `end`, who was placed within the protocol's wait limit plus a week."""
    deadline = protocol.schedule.pool_max_wait + GRACE
    rows = await session.execute(
        select(PoolEntry.participant_id, PoolEntry.entered_at, PoolEntry.placed_at)
        .join(Participant, Participant.id == PoolEntry.participant_id)
        .where(
            Participant.status.in_((ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)),
            PoolEntry.entered_at <= end - deadline,
        )
    )
    told = set(
        await session.scalars(
            select(Event.participant_id).where(Event.kind == EventKind.POOL_NOT_PLACEABLE)
        )
    )
    due = in_time = not_placeable = 0
    for participant_id, entered_at, placed_at in rows:
        if placed_at is None and participant_id in told:
            not_placeable += 1
            continue
        due += 1
        in_time += placed_at is not None and placed_at <= entered_at + deadline
    return Placement(due, in_time, not_placeable, deadline)
