"""The pool: peer-arm participants wait per (arm, track, age band) until a group takes them.

This module holds who waits: entering the pool, the waiting lists the group scan works from,
the update each waiting person gets now and then, and the pools with someone past the
protocol's wait limit (for staff). Groups form in `formation`, whoever waited past the limit is
placed (or told why not) by `past_wait`, and the words people hear are in `pool_news`.
Pooling by arm as well as by track and band keeps arms that differ in components (say `peer`
and `peer+text`) out of each other's groups.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import PoolEntry
from bot.db.study import Event, Participant, ParticipantStatus
from bot.db.upsert import insert_if_absent
from bot.services.peer_groups.pool_news import Waiting, tell_update, tell_waiting
from bot.services.trial import Trial
from experiments.protocol import Component
from experiments.records import EventKind

Pool = tuple[str, str, str]  # arm, track, age band
DAY = timedelta(days=1)

__all__ = [
    "OverduePool",
    "Pool",
    "Waiting",
    "enter_pool",
    "overdue_pools",
    "scan_pool_updates",
    "waiting_pools",
]


async def enter_pool(
    session: AsyncSession,
    participant: Participant,
    trial: Trial,
    now: datetime,
    *,
    tell: bool = True,
) -> bool:
    """Put a newly allocated participant in their pool if their arm has peer groups; with
    `tell`, say so in a message of its own (the intake says it in its last answer instead)."""
    arm = trial.protocol.arm(participant.arm or "")
    if not arm.has(Component.PEER_GROUP) or not participant.track or not participant.age_band:
        return False
    values = {
        "participant_id": participant.id,
        "arm": arm.name,
        "track": participant.track,
        "age_band": participant.age_band,
        "entered_at": now,
    }
    added = await insert_if_absent(session, PoolEntry, values, ["participant_id"])
    if added and tell:
        waiting = Waiting(
            PoolEntry(participant_id=participant.id, entered_at=now),
            participant.language,
            participant.telegram_user_id,
        )
        await tell_waiting(session, waiting, "pool.entered", f"pool_entered:{participant.id}", now)
    return added


async def waiting_pools(session: AsyncSession) -> dict[Pool, list[Waiting]]:
    """Everyone not yet placed who still takes part, per pool, longest waiting first."""
    rows = await session.execute(
        select(PoolEntry, Participant.language, Participant.telegram_user_id, Participant.status)
        .join(Participant, Participant.id == PoolEntry.participant_id)
        .where(
            PoolEntry.placed_at.is_(None),
            Participant.status.in_((ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)),
        )
        .order_by(PoolEntry.entered_at, PoolEntry.participant_id)
    )
    pools: dict[Pool, list[Waiting]] = defaultdict(list)
    for entry, language, telegram_user_id, status in rows:
        pools[(entry.arm, entry.track, entry.age_band)].append(
            Waiting(entry, language, telegram_user_id, status is ParticipantStatus.PAUSED)
        )
    return pools


async def told_not_placeable(session: AsyncSession, participant_ids: list[int]) -> set[int]:
    """Who of these was told that no group can take them (they hear no more updates)."""
    if not participant_ids:
        return set()
    told = await session.scalars(
        select(Event.participant_id).where(
            Event.kind == EventKind.POOL_NOT_PLACEABLE, Event.participant_id.in_(participant_ids)
        )
    )
    return set(told)


async def scan_pool_updates(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Everyone still waiting hears how it stands, at most once per `pool_update_interval`.

    The update says how many more people their group needs and within how many days the wait
    limit looks for a place otherwise, so it is never sent at or past that limit: there the
    group scan places them or tells them why it cannot, and whoever heard that no group can
    take them gets no further updates. The intent names the number of whole intervals waited,
    so a scan every minute sends each update once, and after downtime only the latest one.
    """
    schedule = trial.protocol.schedule
    interval, limit = schedule.pool_update_interval, schedule.pool_max_wait
    pools = await waiting_pools(session)
    everyone = [person.participant_id for waiting in pools.values() for person in waiting]
    not_placeable = await told_not_placeable(session, everyone)
    sent = 0
    for (_arm, track, _band), waiting in pools.items():
        more = max(1, trial.protocol.groups.min_size - len(waiting))
        for person in waiting:
            waited = now - person.entry.entered_at
            intervals = int(waited / interval)
            if intervals < 1 or waited >= limit or person.paused:
                continue
            if person.participant_id in not_placeable:
                continue
            days_left = max(1, math.ceil((limit - waited) / DAY))
            intent = f"pool_wait:{person.participant_id}:{intervals}"
            sent += await tell_update(session, person, track, more, days_left, intent, now)
    return sent


@dataclass(frozen=True)
class OverduePool:
    """A pool whose oldest member has waited longer than the protocol's limit."""

    arm: str
    track: str
    age_band: str
    waiting: int
    days: int
    since: str  # when the oldest waiter entered (ISO): one alert per spell
    language: str  # the oldest waiter's, for staff messages about the pool
    participant_ids: tuple[int, ...] = ()  # who waits, oldest first (staff see "P12")


async def overdue_pools(session: AsyncSession, trial: Trial, now: datetime) -> list[OverduePool]:
    """Pools with someone waiting past `pool_max_wait` (after a group scan: nobody could place
    them), oldest first."""
    limit = trial.protocol.schedule.pool_max_wait
    found = []
    for (arm, track, band), waiting in (await waiting_pools(session)).items():
        if waiting and now - waiting[0].entry.entered_at >= limit:
            days = (now - waiting[0].entry.entered_at).days
            oldest = waiting[0]
            found.append(
                OverduePool(
                    arm,
                    track,
                    band,
                    len(waiting),
                    days,
                    oldest.entry.entered_at.isoformat(),
                    oldest.language,
                    tuple(person.entry.participant_id for person in waiting),
                )
            )
    return sorted(found, key=lambda pool: -pool.days)
