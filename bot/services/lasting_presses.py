"""The button presses of outcomes that last (withdrawals, the starting balance, retention
questions); encoded and decoded with all the others in `button_data`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RetainedAnswer = Literal["yes", "no", "other"]
RETAINED_ANSWERS: tuple[RetainedAnswer, ...] = ("yes", "no", "other")


@dataclass(frozen=True)
class Withdraw:
    """Money taken out of savings (`cents`), stored as offer `offer`."""

    cents: int
    offer: int


@dataclass(frozen=True)
class StartingBalance:
    """The intake's optional starting balance: `cents` (0 for "nothing yet") or None to skip."""

    cents: int | None


@dataclass(frozen=True)
class Retained:
    """ "Do you still have this work?" asked as retention check `check`: yes, no or other."""

    check: int
    answer: RetainedAnswer
