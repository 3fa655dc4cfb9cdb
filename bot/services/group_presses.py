"""The button presses of peer-group life (a counsellor's suggested post, a member's choices in
their group, a check-in tap); encoded and decoded with all the others in `button_data`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, get_args

from experiments.protocol import PlanChoice, PlanKind, ReviewResult


@dataclass(frozen=True)
class SendSuggestion:
    """A counsellor posts a digest's suggestion in a group, once per `week` (its last day)."""

    group_id: int
    week: int
    suggestion: str  # one of SUGGESTIONS (peer_groups/digest.py)


SUGGESTIONS: Final = ("quiet", "celebrate", "question", "thanks")

# A member's choices in their peer group (peer_groups/together): the menu, switching sharing, a
# buddy or hosting on and off, confirming the name shown, an encouragement to a buddy (pair,
# buddy's participant number), the week's topic posted for its host (host week number).
TogetherAction = Literal[
    "menu",
    "share_on",
    "share_off",
    "buddy_on",
    "buddy_off",
    "host_on",
    "host_off",
    "rename",
    "name_ok",
    "name_other",
    "name_no",
    "cheer",
    "host_post",
]
TOGETHER_ACTIONS: Final[tuple[TogetherAction, ...]] = get_args(TogetherAction)
TOGETHER_NUMBERS: Final[dict[str, int]] = {"cheer": 2, "host_post": 1}


@dataclass(frozen=True)
class Together:
    """A tap about the member's group choices; `numbers` name what it is about (see above)."""

    action: TogetherAction
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Checkin:
    """A group member's plan for group week `week` (a `group_weeks` row), or their answer to
    "did it work out?", tapped in the group."""

    week: int
    answer: PlanChoice | ReviewResult


GroupPress = SendSuggestion | Together | Checkin
PREFIXES: Final = frozenset({"sug", "tg", "cip", "cir"})
_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,9})$")  # as button_data: no sign, no leading zeros
_TOGETHER: Final[dict[str, TogetherAction]] = {action: action for action in TOGETHER_ACTIONS}


def encode(press: GroupPress) -> str:
    """The button data of a peer-group press."""
    match press:
        case SendSuggestion(group_id, week, suggestion):
            return f"sug:{group_id}:{week}:{suggestion}"
        case Together(action, numbers):
            return ":".join(["tg", action, *(str(number) for number in numbers)])
        case Checkin(week, PlanChoice(kind, amount)):
            return f"cip:{week}:{kind}:{amount}"
        case Checkin(week, result):
            return f"cir:{week}:{result}"


def decode(kind: str, parts: list[str]) -> GroupPress | None:
    """The peer-group press behind button data `kind:parts`, or None."""
    match kind, parts:
        case "sug", [group, week, tip] if (
            _positive(group) and _positive(week) and tip in SUGGESTIONS
        ):
            return SendSuggestion(int(group), int(week), tip)
        case "tg", [action, *numbers] if _together(action, numbers):
            return Together(_TOGETHER[action], tuple(int(number) for number in numbers))
        case "cip", [week, kind, amount] if _positive(week) and _plan(kind, amount):
            return Checkin(int(week), PlanChoice(PlanKind(kind), int(amount)))
        case "cir", [week, result] if _positive(week) and result in set(ReviewResult):
            return Checkin(int(week), ReviewResult(result))
    return None


def _together(action: str, numbers: list[str]) -> bool:
    expected = TOGETHER_NUMBERS.get(action, 0)
    return (
        action in _TOGETHER
        and len(numbers) == expected
        and all(_positive(number) for number in numbers)
    )


def _plan(kind: str, amount: str) -> bool:
    """A plan's kind and amount: "other" has none (0), every other kind a positive one."""
    if kind not in set(PlanKind):
        return False
    return amount == "0" if kind == PlanKind.OTHER else _positive(amount)


def _positive(number: str) -> bool:
    return bool(_NUMBER.match(number)) and int(number) > 0
