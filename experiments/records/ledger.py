"""What a person did in a window: the one rule for "who saved" and "who took a step".

The bot's receipts and /progress, the group's weekly post, the counsellor's /groups and /group,
and the analysis all count through `did`, so they cannot disagree about the same window.

Where a correction counts: in the window of the entry it corrects, not on its own date. A
correction says the record was wrong (that €5 was never saved, those 3 applications were 1),
so the corrected record is what the person did and when they did it: undoing last week's
deposit takes it out of last week, and never makes this week's savings negative. The price is
that a past window's count can change after the fact (a group post already sent does not);
the analysis, which always reads the corrected record, is the one that must be right.

Every kind of entry has a correction kind of its own (`CORRECTION_OF` in `events`); `did` counts
them all, so a corrected application leaves every count that asks about applications.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from experiments.records.events import (
    CORRECTION_OF,
    DEPOSIT_KINDS,
    JOB_SEARCH_KINDS,
    MONEY_ENTRY_KINDS,
    MONEY_OUT_KINDS,
    EventKind,
)

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: Final[tuple[Weekday, ...]] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
# a fixed Monday: group weeks longer than seven days are counted from it, so they never drift
_EPOCH = date(2024, 1, 1)
_DAY = timedelta(days=1)

# each correction kind and the kind of entry it corrects (used when that entry is not at hand)
CORRECTS: Final[dict[str, EventKind]] = {
    correction: entry for entry, correction in CORRECTION_OF.items()
}


@dataclass(frozen=True, slots=True)
class Logged:
    """One logged event: an entry (a deposit or a job-search step) or a correction of one.

    A correction stores the change it makes, signed (an /undo of €5 stores -500 cents); one
    without an amount or quantity takes back all of the entry it corrects.
    """

    kind: str
    amount_cents: int | None
    quantity: int | None
    occurred_at: datetime
    id: int | None = None
    corrects: int | None = None

    @property
    def is_correction(self) -> bool:
        return self.corrects is not None or self.kind in CORRECTS


@dataclass(frozen=True, slots=True)
class Window:
    """From `start` up to `end` (either open); `end` itself is in only when `closed`."""

    start: datetime | None = None
    end: datetime | None = None
    closed: bool = False

    def holds(self, moment: datetime) -> bool:
        if self.start is not None and moment < self.start:
            return False
        if self.end is None:
            return True
        return moment <= self.end if self.closed else moment < self.end


EVER: Final = Window()


class Step(enum.StrEnum):
    """What a job-search step counts as."""

    APPLICATIONS = "applications"
    INTERVIEWS = "interviews"
    JOBS = "jobs"
    TRAININGS = "trainings"


_STEP_OF: Final[dict[str, Step]] = dict(zip(JOB_SEARCH_KINDS, Step, strict=True))


@dataclass(frozen=True, slots=True)
class Done:
    """What a person did in a window, corrections included.

    Money taken out is counted apart from deposits (`saved_cents` stays what was put away, so a
    withdrawal never undoes a week's deposit); `net_cents` is the two together, and `balance_cents`
    adds the starting balance a saver gave at intake (None when they gave none).
    """

    saved_cents: int = 0
    deposits: int = 0  # deposits made, less the ones corrected away
    applications: int = 0
    interviews: int = 0
    jobs: int = 0
    trainings: int = 0
    taken_out_cents: int = 0
    withdrawals: int = 0  # times money was taken out, less the ones corrected away
    starting_cents: int | None = None

    @property
    def saved(self) -> bool:
        """Whether they saved: more put away than taken back."""
        return self.saved_cents > 0

    @property
    def steps(self) -> int:
        """Job-search steps of every kind."""
        return self.applications + self.interviews + self.jobs + self.trainings

    @property
    def took_step(self) -> bool:
        return self.steps > 0

    @property
    def placed(self) -> bool:
        """Whether they found a job or a training."""
        return self.jobs + self.trainings > 0

    @property
    def net_cents(self) -> int:
        """Net logged savings: put away less taken out."""
        return self.saved_cents - self.taken_out_cents

    @property
    def balance_cents(self) -> int | None:
        """The starting balance plus net logged savings, where a starting balance was given."""
        return None if self.starting_cents is None else self.starting_cents + self.net_cents

    def count(self, kind: str) -> int:
        """How many steps of one job-search kind (0 for any other kind)."""
        step = _STEP_OF.get(kind)
        return 0 if step is None else int(getattr(self, step.value))

    def __add__(self, other: Done) -> Done:
        return Done(
            self.saved_cents + other.saved_cents,
            self.deposits + other.deposits,
            self.applications + other.applications,
            self.interviews + other.interviews,
            self.jobs + other.jobs,
            self.trainings + other.trainings,
            self.taken_out_cents + other.taken_out_cents,
            self.withdrawals + other.withdrawals,
            _plus(self.starting_cents, other.starting_cents),
        )


def _plus(one: int | None, other: int | None) -> int | None:
    return other if one is None else one if other is None else one + other


NOTHING: Final = Done()


@dataclass(frozen=True, slots=True)
class Counted:
    """What one logged event adds (`done`), and the moment it counts at."""

    at: datetime
    done: Done


def contributions(events: Iterable[Logged]) -> Iterator[Counted]:
    """What each of one person's logged events adds, and when it counts: a correction at the
    moment of the entry it corrects (its own moment if that entry is not among `events`)."""
    logged = list(events)
    entries = {event.id: event for event in logged if event.id is not None}
    for event in logged:
        target = entries.get(event.corrects) if event.corrects is not None else None
        if not event.is_correction:
            yield Counted(event.occurred_at, _added(event.kind, event, 1))
        elif target is not None and not target.is_correction:
            yield Counted(target.occurred_at, _taken_back(target.kind, event, target))
        elif event.kind in CORRECTS:
            yield Counted(event.occurred_at, _taken_back(CORRECTS[event.kind], event, None))


def did(events: Iterable[Logged], window: Window = EVER) -> Done:
    """What a person did in `window`, from their logged events, corrections included.

    A correction counts in the window of the entry it corrects (see the module's docstring).
    """
    total = NOTHING
    for counted in contributions(events):
        if window.holds(counted.at):
            total += counted.done
    return total


def _added(kind: str, event: Logged, sign: int) -> Done:
    if kind in DEPOSIT_KINDS:
        return Done(saved_cents=event.amount_cents or 0, deposits=sign)
    if kind in MONEY_OUT_KINDS:
        return Done(taken_out_cents=event.amount_cents or 0, withdrawals=sign)
    if kind == EventKind.STARTING_BALANCE:
        return Done(starting_cents=event.amount_cents or 0)
    step = _STEP_OF.get(kind)
    if step is None:
        return NOTHING
    quantity = event.quantity if event.quantity is not None else sign
    return Done(**{step.value: quantity})


def _taken_back(kind: str, correction: Logged, target: Logged | None) -> Done:
    """A correction of an entry of `kind`: the change it stores, or the whole entry undone."""
    cents = correction.amount_cents
    if cents is None:
        cents = -(target.amount_cents or 0) if target is not None else 0
    quantity = correction.quantity
    if quantity is None and kind not in MONEY_ENTRY_KINDS:
        quantity = -(target.quantity or 1) if target is not None else -1
    return _added(kind, Logged(kind, cents, quantity, correction.occurred_at), -1)


def group_week(
    moment: datetime, length: timedelta, zone: ZoneInfo, starts: Weekday = "monday"
) -> Window:
    """The group's week holding `moment`: `length` long, starting at midnight on `starts` in the
    study's time zone (whole days are counted on the local calendar, so summer time never
    moves a week's edges; shorter lengths, for demos, run on from such a midnight)."""
    epoch = _EPOCH + WEEKDAYS.index(starts) * _DAY
    if length % _DAY:
        anchor = _midnight(epoch, zone)
        start = anchor + ((moment - anchor) // length) * length
        return Window(start, start + length)
    days = length // _DAY
    today = moment.astimezone(zone).date()
    first = epoch + ((today - epoch).days // days) * days * _DAY
    return Window(_midnight(first, zone), _midnight(first + days * _DAY, zone))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)
