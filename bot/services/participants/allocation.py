"""Allocation to an arm: once per participant, in one transaction, logged in a hash chain."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Allocation, Participant, Site
from bot.services.participants.returning import remember_allocated
from bot.services.trial import Trial
from experiments.allocation import AllocationRecord, AllocationSequence, append_record, chain_key

# Any constant will do: every allocating transaction takes the same PostgreSQL advisory lock.
ALLOCATION_LOCK = 7_404_211


@lru_cache(maxsize=16)
def _chain_key(seed: str) -> bytes:
    return chain_key(seed)


@lru_cache(maxsize=256)
def _sequence(
    seed: str, stratum: str, weights: tuple[tuple[str, int], ...], multiples: tuple[int, ...]
) -> AllocationSequence:
    return AllocationSequence(seed, stratum, dict(weights), multiples)


async def allocate(
    session: AsyncSession, participant: Participant, trial: Trial, now: datetime
) -> str:
    """The participant's arm: drawn now if they have none, else the one they were given.

    The whole log is one chain, so allocations are serialized: SQLite's BEGIN IMMEDIATE does it,
    on PostgreSQL a transaction-scoped advisory lock does.
    """
    if participant.arm is not None:
        return participant.arm
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ALLOCATION_LOCK})
    # Another transaction may have allocated this participant while we waited for the lock.
    earlier = await session.scalar(
        select(Allocation).where(Allocation.participant_id == participant.id)
    )
    if earlier is not None:
        participant.arm, participant.stratum = earlier.arm, earlier.stratum
        participant.allocated_at = earlier.allocated_at
        return earlier.arm
    protocol = trial.protocol
    site = await session.get(Site, participant.site_id)
    assert site is not None
    assert participant.track is not None
    assert participant.age_band is not None
    stratum = protocol.stratum_key(participant.track, participant.age_band, site.name)
    position = await session.scalar(
        select(func.count()).select_from(Allocation).where(Allocation.stratum == stratum)
    )
    sequence = _sequence(
        trial.allocation_seed,
        stratum,
        tuple(protocol.arm_weights().items()),
        tuple(protocol.randomization.block_multiples),
    )
    arm = sequence.arm_at(position or 0)
    previous = await session.scalar(select(Allocation).order_by(Allocation.sequence.desc()))
    record = append_record(
        _as_record(previous) if previous is not None else None,
        participant_id=participant.id,
        stratum=stratum,
        position=position or 0,
        arm=arm,
        allocated_at=now,
        key=_chain_key(trial.allocation_seed),
    )
    if participant.telegram_user_id is not None:
        # One person, one randomization: kept after /delete, so they cannot draw again.
        await remember_allocated(session, trial, participant.telegram_user_id)
    session.add(
        Allocation(
            sequence=record.sequence,
            participant_id=participant.id,
            stratum=stratum,
            position=record.position,
            arm=arm,
            allocated_at=record.allocated_at,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )
    )
    participant.arm = arm
    participant.stratum = stratum
    participant.allocated_at = now
    return arm


def _as_record(row: Allocation) -> AllocationRecord:
    return AllocationRecord(
        sequence=row.sequence,
        participant_id=row.participant_id,
        stratum=row.stratum,
        position=row.position,
        arm=row.arm,
        allocated_at=row.allocated_at,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


async def allocation_log(session: AsyncSession) -> list[AllocationRecord]:
    """The whole log in order, for `lotgenoot study verify`."""
    rows = await session.scalars(select(Allocation).order_by(Allocation.sequence))
    return [_as_record(row) for row in rows]


async def participant_arms(session: AsyncSession) -> list[tuple[int, str | None, str | None]]:
    """(id, arm, stratum) of every participant with either set: the copies the bot and the
    export read, which `lotgenoot study verify` checks against the log."""
    rows = await session.execute(
        select(Participant.id, Participant.arm, Participant.stratum)
        .where((Participant.arm.is_not(None)) | (Participant.stratum.is_not(None)))
        .order_by(Participant.id)
    )
    return [(int(pid), arm, stratum) for pid, arm, stratum in rows]
