"""Commitment periods: which window a moment falls in, and what was logged in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import table_of
from bot.db.study import Event, Participant

DEPOSIT_KINDS = ("deposit", "deposit_correction")


def latest_occurrence(first: datetime, now: datetime, interval: timedelta) -> datetime:
    """The last moment at or before `now` in the series first, first + interval, … (`first`
    itself when `now` comes before it)."""
    if now <= first:
        return first
    return first + ((now - first) // interval) * interval


@dataclass(frozen=True)
class Firing:
    """Where a repeating schedule stands at a scan: its latest moment, the next, and whether
    the latest is too long ago to act on (after downtime, say) rather than arrive late."""

    latest: datetime
    following: datetime
    stale: bool


def advance_due(
    stored: datetime, now: datetime, interval: timedelta, stale_after: timedelta
) -> Firing:
    """The firing of a schedule stored as its next time `stored`, once `now` has reached it.

    A scan stores `following` back, so a restart after downtime fires once, not once per
    interval missed, and skips a stale firing rather than sending it late.
    """
    latest = latest_occurrence(stored, now, interval)
    return Firing(latest, latest + interval, now - latest > stale_after)


def current_window(
    participant: Participant, now: datetime, period: timedelta
) -> tuple[datetime, datetime]:
    """The commitment period containing `now`, counted from the participant's period start."""
    start = latest_occurrence(participant.period_start or now, now, period)
    return start, start + period


async def saved_between(
    session: AsyncSession, participant_id: int, start: datetime, end: datetime | None = None
) -> int:
    """Cents saved (corrections included) from `start` up to `end`."""
    query = select(func.coalesce(func.sum(Event.amount_cents), 0)).where(
        Event.participant_id == participant_id,
        Event.kind.in_(DEPOSIT_KINDS),
        Event.occurred_at >= start,
    )
    if end is not None:
        query = query.where(Event.occurred_at < end)
    return int(await session.scalar(query) or 0)


async def saved_in_total_and_since(
    session: AsyncSession, participant_id: int, since: datetime
) -> tuple[int, int]:
    """Cents saved in all (corrections included), and from `since` on, in one query."""
    row = (await session.execute(SAVED, {"participant": participant_id, "since": since})).one()
    return int(row[0]), int(row[1])


# built once, in Core and without an expanding IN: a deposit's receipt runs it on every deposit
_EVENTS = table_of(Event)
SAVED = select(
    func.coalesce(func.sum(_EVENTS.c.amount_cents), 0),
    func.coalesce(
        func.sum(
            case((_EVENTS.c.occurred_at >= bindparam("since"), _EVENTS.c.amount_cents), else_=0)
        ),
        0,
    ),
).where(
    _EVENTS.c.participant_id == bindparam("participant"),
    or_(*(_EVENTS.c.kind == kind for kind in DEPOSIT_KINDS)),
)


async def count_between(
    session: AsyncSession,
    participant_id: int,
    kind: str,
    start: datetime,
    end: datetime | None = None,
) -> int:
    """How many `kind` events (e.g. applications) from `start` up to `end`."""
    query = select(func.coalesce(func.sum(Event.quantity), 0)).where(
        Event.participant_id == participant_id, Event.kind == kind, Event.occurred_at >= start
    )
    if end is not None:
        query = query.where(Event.occurred_at < end)
    return int(await session.scalar(query) or 0)


async def deposit_count(session: AsyncSession, participant_id: int) -> int:
    """Deposits made, not counting ones later undone."""
    deposits = await session.scalar(
        select(func.count()).where(Event.participant_id == participant_id, Event.kind == "deposit")
    )
    undone = await session.scalar(
        select(func.count()).where(
            Event.participant_id == participant_id, Event.kind == "deposit_correction"
        )
    )
    return int(deposits or 0) - int(undone or 0)
