"""A participant's ledger: their logged events, loaded with one query, counted by one rule.

Receipts in the chat, /progress, reminders, encouragements, the group's weekly post and the
counsellor's /groups and /group all ask the same questions (saved this period, applications so
far, deposits made, was the goal met, how long a streak); the answers all come from
`experiments.records.ledger.did`, which the analysis uses too, corrections included.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.study import Event, Participant
from experiments.protocol import Track
from experiments.records import LOGGED_KINDS, Done, EventKind, Logged, Window, did

IDS_PER_QUERY = 500  # keeps an IN list under every engine's parameter limit
MAX_STREAK = 104  # two years of weekly periods: enough to say "a long time"


@dataclass(frozen=True)
class Goal:
    """A commitment per period: cents for savers, applications for jobseekers."""

    track: Track | None
    cents: int
    applications: int


def goal_of(participant: Participant) -> Goal:
    return Goal(
        participant.track,
        participant.commitment_cents or 0,
        participant.commitment_applications or 0,
    )


class Ledger:
    """What one participant logged (deposits, job-search steps, corrections), to count from."""

    def __init__(self, events: Sequence[Logged] = ()) -> None:
        self.events = events

    def with_(self, *more: Logged) -> Ledger:
        """This ledger and `more`: a receipt counts the entry it is about to record."""
        return Ledger([*self.events, *more])

    def done(self, window: Window) -> Done:
        """What they did in `window`, corrections included."""
        return did(self.events, window)

    def saved(self, start: datetime | None = None, end: datetime | None = None) -> int:
        """Cents saved (corrections included) from `start` up to `end`."""
        return self.done(Window(start, end)).saved_cents

    def counted(
        self, kind: EventKind | str, start: datetime | None = None, end: datetime | None = None
    ) -> int:
        """How many `kind` steps (e.g. applications) from `start` up to `end`."""
        return self.done(Window(start, end)).count(kind)

    def steps(self, start: datetime | None = None) -> int:
        """Job-search steps of every kind from `start` on."""
        return self.done(Window(start)).steps

    def deposits_made(self) -> int:
        """Deposits, not counting ones later undone."""
        return self.done(Window()).deposits

    def goal_met(self, goal: Goal, start: datetime, end: datetime) -> bool:
        """Whether the period [start, end) met the commitment (any saving counts for savers)."""
        done = self.done(Window(start, end))
        if goal.track == Track.SAVINGS:
            return done.saved
        return done.applications >= goal.applications

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


# Where a correction counts is `did`'s rule; the join only lets a scan from `since` leave out
# whole entries (with their corrections) that count before it.
_CORRECTED = aliased(Event)
_COUNTS_AT = func.coalesce(_CORRECTED.occurred_at, Event.occurred_at)
_LOGGED = (
    select(
        Event.participant_id,
        Event.kind,
        Event.amount_cents,
        Event.quantity,
        Event.occurred_at,
        Event.id,
        Event.corrects_event_id,
    )
    .outerjoin(_CORRECTED, _CORRECTED.id == Event.corrects_event_id)
    .where(Event.kind.in_(LOGGED_KINDS))
)
# built once: a receipt runs it on every deposit and step
ONE_LEDGER = _LOGGED.where(Event.participant_id == bindparam("participant"))


async def ledger_of(session: AsyncSession, participant_id: int) -> Ledger:
    """One participant's whole ledger."""
    rows = await session.execute(ONE_LEDGER, {"participant": participant_id})
    return Ledger([Logged(*row[1:]) for row in rows])


async def ledgers(
    session: AsyncSession, participant_ids: Collection[int], since: datetime | None = None
) -> dict[int, Ledger]:
    """Everyone's ledger (what counts from `since`), one query per `IDS_PER_QUERY` people."""
    found: dict[int, list[Logged]] = {participant_id: [] for participant_id in participant_ids}
    ordered = sorted(found)
    for start in range(0, len(ordered), IDS_PER_QUERY):
        query = _LOGGED.where(Event.participant_id.in_(ordered[start : start + IDS_PER_QUERY]))
        if since is not None:
            query = query.where(since <= _COUNTS_AT)
        for row in await session.execute(query):
            found[row[0]].append(Logged(*row[1:]))
    return {participant_id: Ledger(events) for participant_id, events in found.items()}
