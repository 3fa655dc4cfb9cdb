"""How many messages one person may send a minute before the bot stops answering (SPEC §11.8).

A person who sends more than the protocol's `messages_per_minute` in a window (a minute from
their first message) gets one answer for the whole burst, and nothing they send until the window
passes is answered or recorded. Staff are not limited: a counsellor may work through a queue.

The counts live in this process's memory, never in the database: a stranger's Telegram id is
not stored before consent, and a flood costs no writes. With several webhook processes behind a
load balancer each counts its own share, so a person may reach the limit once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

WINDOW = timedelta(minutes=1)


class Verdict(Enum):
    """What to do with one update of a person."""

    ANSWER = "answer"  # within the limit: handle it as usual
    SLOW_DOWN = "slow_down"  # the first one over: say so once, record nothing
    IGNORE = "ignore"  # the rest of the window: neither answered nor recorded


@dataclass
class _Window:
    started: datetime
    count: int = 0
    last_update: int | None = None
    verdict: Verdict = Verdict.ANSWER
    exempt: bool = False


@dataclass
class FloodGate:
    """Counts each person's updates in windows of a minute; kept by the runtime for the process."""

    window: timedelta = WINDOW
    _windows: dict[int, _Window] = field(default_factory=dict)
    _pruned_at: datetime | None = None

    def admit(self, user_id: int, update_id: int, now: datetime, per_minute: int) -> Verdict:
        """The verdict for this update; asking again for the same update gives the same one."""
        self._prune(now)
        window = self._windows.get(user_id)
        if window is None or now - window.started >= self.window:
            window = self._windows[user_id] = _Window(started=now)
        if window.last_update == update_id:
            return window.verdict
        window.last_update = update_id
        window.count += 1
        if window.exempt or window.count <= per_minute:
            window.verdict = Verdict.ANSWER
        elif window.count == per_minute + 1:
            window.verdict = Verdict.SLOW_DOWN
        else:
            window.verdict = Verdict.IGNORE
        return window.verdict

    def exempt(self, user_id: int) -> None:
        """This person holds a staff role: answer everything they send in their window."""
        window = self._windows.get(user_id)
        if window is not None:
            window.exempt, window.verdict = True, Verdict.ANSWER

    def _prune(self, now: datetime) -> None:
        """Forget windows that have passed, once a window: memory follows who is active."""
        if self._pruned_at is not None and now - self._pruned_at < self.window:
            return
        self._pruned_at = now
        self._windows = {
            user_id: window
            for user_id, window in self._windows.items()
            if now - window.started < self.window
        }
