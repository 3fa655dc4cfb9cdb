"""A saver's balance over time, and whether it fell back after a peak ("terugval", Kast).

The balance at a moment is the starting balance (0 where none was given) plus net logged
savings up to it, each event counted where `ledger.contributions` says (a correction at its
entry's moment), so it agrees with `did` at every moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from experiments.records.ledger import EVER, Logged, Window, contributions

__all__ = ["Fall", "balance_at_end", "deepest_fall", "relapsed"]


@dataclass(frozen=True, slots=True)
class Fall:
    """The highest balance in a window and the deepest fall after it (cents)."""

    peak_cents: int = 0
    fall_cents: int = 0

    @property
    def share(self) -> float:
        """The fall as a share of the peak (0 when the balance never rose above 0)."""
        return self.fall_cents / self.peak_cents if self.peak_cents > 0 else 0.0


def _steps(events: Iterable[Logged]) -> list[tuple[datetime, int]]:
    """(moment, change in cents) for every logged event, in time order."""
    changes = [
        (counted.at, (counted.done.starting_cents or 0) + counted.done.net_cents)
        for counted in contributions(events)
    ]
    return sorted(changes, key=lambda change: change[0])


def _before_end(window: Window, moment: datetime) -> bool:
    return Window(None, window.end, window.closed).holds(moment)


def balance_at_end(events: Iterable[Logged], window: Window = EVER) -> int:
    """The balance (cents) at the end of `window`: everything that counts before its end."""
    return sum(change for at, change in _steps(events) if _before_end(window, at))


def deepest_fall(events: Iterable[Logged], window: Window = EVER) -> Fall:
    """The peak balance within `window` (the balance it starts with counts as one) and the
    deepest fall below a peak that came before it."""
    balance, peak, fall, started = 0, 0, 0, window.start is None
    for at, change in _steps(events):
        if not _before_end(window, at):
            break
        if not started and window.holds(at):
            started, peak = True, max(balance, 0)
        balance += change
        if started:
            peak = max(peak, balance)
            fall = max(fall, peak - balance)
    return Fall(peak, fall)


def relapsed(events: Iterable[Logged], window: Window, share: float) -> bool:
    """Whether the balance fell by more than `share` of a peak it had reached in `window`."""
    return deepest_fall(events, window).share > share
