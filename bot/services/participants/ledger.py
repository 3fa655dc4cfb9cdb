"""A participant's ledger: what they logged, and the one place it is added up.

Receipts in the chat, /progress, reminders, encouragements and group posts all ask the same
questions (saved this period, applications so far, deposits made, was the goal met, how long a
streak), so they all ask a `Ledger`: plain Python over the participant's logged events, loaded
with one query per participant (or per few hundred participants for a scan).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.study import Event, Participant
from experiments.events import DEPOSIT_KINDS, JOB_SEARCH_KINDS, LOGGED_KINDS, EventKind

IDS_PER_QUERY = 500  # keeps an IN list under every engine's parameter limit
MAX_STREAK = 104  # two years of weekly periods: enough to say "a long time"


@dataclass(frozen=True)
class Logged:
    """One logged event, as the ledger needs it; a correction's `occurred_at` is that of the
    deposit it corrects, the moment it counts for."""

    kind: str
    amount_cents: int
    quantity: int
    occurred_at: datetime


@dataclass(frozen=True)
class Goal:
    """A commitment per period: cents for savers, applications for jobseekers."""

    track: str
    cents: int
    applications: int


def goal_of(participant: Participant) -> Goal:
    return Goal(
        participant.track or "",
        participant.commitment_cents or 0,
        participant.commitment_applications or 0,
    )


class Ledger:
    """What one participant logged (deposits and job-search steps), to count from."""

    def __init__(self, events: Sequence[Logged] = ()) -> None:
        self.events = events

    def with_(self, *more: Logged) -> Ledger:
        """This ledger and `more`: a receipt counts the entry it is about to record."""
        return Ledger([*self.events, *more])

    def saved(self, start: datetime | None = None, end: datetime | None = None) -> int:
        """Cents saved (corrections included) from `start` up to `end`."""
        return sum(e.amount_cents for e in self._within(start, end) if e.kind in DEPOSIT_KINDS)

    def counted(
        self, kind: EventKind | str, start: datetime | None = None, end: datetime | None = None
    ) -> int:
        """How many `kind` steps (e.g. applications) from `start` up to `end`."""
        return sum(e.quantity for e in self._within(start, end) if e.kind == kind)

    def steps(self, start: datetime | None = None) -> int:
        """Job-search steps of every kind from `start` on."""
        return sum(self.counted(kind, start) for kind in JOB_SEARCH_KINDS)

    def deposits_made(self) -> int:
        """Deposits, not counting ones later undone."""
        kinds = [event.kind for event in self.events]
        return kinds.count(EventKind.DEPOSIT) - kinds.count(EventKind.DEPOSIT_CORRECTION)

    def goal_met(self, goal: Goal, start: datetime, end: datetime) -> bool:
        """Whether the period [start, end) met the commitment (any saving counts for savers)."""
        if goal.track == "savings":
            return self.saved(start, end) > 0
        return self.counted(EventKind.APPLIED, start, end) >= goal.applications

    def streak(self, goal: Goal, first: datetime, last_end: datetime, period: timedelta) -> int:
        """Consecutive completed periods, counting back from the one ending at `last_end`, that
        met the goal, none starting before `first`."""
        streak, end = 0, last_end
        while end - period >= first and streak < MAX_STREAK:
            if not self.goal_met(goal, end - period, end):
                break
            streak += 1
            end -= period
        return streak

    def _within(self, start: datetime | None, end: datetime | None) -> list[Logged]:
        return [
            event
            for event in self.events
            if (start is None or event.occurred_at >= start)
            and (end is None or event.occurred_at < end)
        ]


# A correction (/undo) counts in the period of the deposit it corrects: undoing last week's
# deposit must not make this week's savings negative.
_CORRECTED = aliased(Event)
_COUNTS_AT = func.coalesce(_CORRECTED.occurred_at, Event.occurred_at)
_LOGGED = (
    select(Event.participant_id, Event.kind, Event.amount_cents, Event.quantity, _COUNTS_AT)
    .outerjoin(_CORRECTED, _CORRECTED.id == Event.corrects_event_id)
    .where(Event.kind.in_(LOGGED_KINDS))
)
# built once: a receipt runs it on every deposit and step
ONE_LEDGER = _LOGGED.where(Event.participant_id == bindparam("participant"))


async def ledger_of(session: AsyncSession, participant_id: int) -> Ledger:
    """One participant's whole ledger."""
    rows = await session.execute(ONE_LEDGER, {"participant": participant_id})
    return Ledger(
        [Logged(kind, cents or 0, quantity or 0, at) for _, kind, cents, quantity, at in rows]
    )


async def ledgers(
    session: AsyncSession, participant_ids: Collection[int], since: datetime | None = None
) -> dict[int, Ledger]:
    """Everyone's ledger (from `since`), one query per `IDS_PER_QUERY` participants."""
    found: dict[int, list[Logged]] = {participant_id: [] for participant_id in participant_ids}
    ordered = sorted(found)
    for start in range(0, len(ordered), IDS_PER_QUERY):
        query = _LOGGED.where(Event.participant_id.in_(ordered[start : start + IDS_PER_QUERY]))
        if since is not None:
            query = query.where(since <= _COUNTS_AT)
        for participant_id, kind, cents, quantity, at in await session.execute(query):
            found[participant_id].append(Logged(kind, cents or 0, quantity or 0, at))
    return {participant_id: Ledger(events) for participant_id, events in found.items()}
