"""The button presses of outcomes that last (withdrawals, the starting balance, retention
questions); encoded and decoded with all the others in `button_data`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

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


LastingPress = Withdraw | StartingBalance | Retained
PREFIXES: Final = frozenset({"out", "bal", "kept"})
_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,9})$")  # as button_data: no sign, no leading zeros


def encode(press: LastingPress) -> str:
    """The button data of a press about money out, a starting balance or work kept."""
    match press:
        case Withdraw(cents, offer):
            return f"out:{cents}:{offer}"
        case StartingBalance(cents):
            return f"bal:{'skip' if cents is None else cents}"
        case Retained(check, answer):
            return f"kept:{check}:{answer}"


def decode(kind: str, parts: list[str]) -> LastingPress | None:
    """The press behind button data `kind:parts`, or None."""
    match kind, parts:
        case "out", [cents, offer] if _positive(cents) and _positive(offer):
            return Withdraw(int(cents), int(offer))
        case "bal", ["skip"]:
            return StartingBalance(None)
        case "bal", ["0"]:
            return StartingBalance(0)
        case "kept", [check, ("yes" | "no" | "other") as answer] if _positive(check):
            return Retained(int(check), answer)
    return None


def _positive(number: str) -> bool:
    return bool(_NUMBER.match(number)) and int(number) > 0
