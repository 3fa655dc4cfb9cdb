"""The micro-randomized decision log's keyed chain in the database: its head, its lock, and the
tombstones lawful erasure leaves (experiments.micro.audit says what is hashed and why)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import delete, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.micro import MicroDecision, MicroErasure
from experiments.micro import ChainLink, Tombstone, micro_chain_key, tombstone

__all__ = ["MICRO_CHAIN_LOCK", "chain_head", "erase_decisions", "key_of", "lock", "tombstones"]

# Every transaction that appends to the chain takes this PostgreSQL advisory lock (on SQLite
# the single writer serializes them), so two scans cannot both append decision #n.
MICRO_CHAIN_LOCK = 7_404_212


@lru_cache(maxsize=16)
def key_of(seed: str) -> bytes:
    return micro_chain_key(seed)


async def lock(session: AsyncSession) -> None:
    """Hold the chain until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MICRO_CHAIN_LOCK})


async def chain_head(session: AsyncSession) -> ChainLink | None:
    """The last link of the chain, a decision's or an erased one's (None: an empty chain).

    One statement over both tables, so an erasure committing meanwhile is seen whole or not."""
    decisions = select(
        MicroDecision.sequence.label("sequence"),
        MicroDecision.prev_hash.label("prev_hash"),
        MicroDecision.hash.label("hash"),
        literal(0).label("erased"),
    ).where(MicroDecision.sequence.is_not(None))
    erased = select(MicroErasure.sequence, MicroErasure.prev_hash, MicroErasure.hash, literal(1))
    both = union_all(decisions, erased).subquery()
    row = (
        await session.execute(
            select(both.c.sequence, both.c.prev_hash, both.c.hash)
            .order_by(both.c.sequence.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    sequence, prev_hash, own = row
    return ChainLink(int(sequence), str(prev_hash), str(own))


async def erase_decisions(
    session: AsyncSession, participant_id: int, seed: str, now: datetime
) -> int:
    """Remove a person's decisions, leaving a keyed tombstone for each chained one; how many
    decisions went."""
    await lock(session)
    rows = await session.execute(
        select(MicroDecision.sequence, MicroDecision.prev_hash, MicroDecision.hash).where(
            MicroDecision.participant_id == participant_id
        )
    )
    key = key_of(seed)
    gone = 0
    for sequence, prev_hash, own in rows.all():
        gone += 1
        if sequence is None or prev_hash is None or own is None:
            continue  # made before the chain began: nothing to keep its place
        stone = tombstone(key, participant_id, ChainLink(sequence, prev_hash, own), now)
        session.add(
            MicroErasure(
                sequence=stone.sequence,
                participant_id=participant_id,
                prev_hash=stone.prev_hash,
                hash=stone.hash,
                erased_at=stone.erased_at,
                mac=stone.mac,
            )
        )
    await session.flush()
    await session.execute(
        delete(MicroDecision).where(MicroDecision.participant_id == participant_id)
    )
    return gone


async def tombstones(session: AsyncSession) -> list[Tombstone]:
    """Every erasure tombstone, in chain order, for `lotgenoot study verify`."""
    rows = await session.scalars(select(MicroErasure).order_by(MicroErasure.sequence))
    return [
        Tombstone(row.sequence, row.participant_id, row.prev_hash, row.hash, row.erased_at, row.mac)
        for row in rows
    ]
