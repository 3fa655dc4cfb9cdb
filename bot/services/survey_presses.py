"""The button presses of questionnaires (an answer, a tick on a multiple-choice item, "later",
"go on", the follow-up invitation); encoded and decoded with all the others in `button_data`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# as button_data: instrument and item ids are tokens, so ':' always separates
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,9})$")  # no sign, no leading zeros, at most 10 digits
_SIGNED = re.compile(r"^-?(0|[1-9][0-9]{0,3})$")  # answer values (-1: prefer not to say)


@dataclass(frozen=True)
class Answer:
    """Answer `value` to item `item` of `instrument` in questionnaire wave `wave`."""

    wave: str
    instrument: str
    item: str
    value: int


@dataclass(frozen=True)
class Toggle:
    """A tap on an option of a multiple-choice item: show it again with `selection` (the bit set
    of options ticked so far); its "done" button is an `Answer` with that selection."""

    wave: str
    instrument: str
    item: str
    selection: int


@dataclass(frozen=True)
class ContinueSurvey:
    """The follow-up invitation's button."""


@dataclass(frozen=True)
class Later:
    """ "Later" under a question of questionnaire wave `wave`: pause it for now."""

    wave: str


@dataclass(frozen=True)
class GoOn:
    """ "Go on with the questions" after a "later": the next open question of wave `wave`."""

    wave: str


SurveyPress = Answer | Toggle | ContinueSurvey | Later | GoOn
PREFIXES: Final = frozenset({"q", "qm", "survey", "later", "goon"})


def encode(press: SurveyPress) -> str:
    """The button data of a questionnaire press."""
    match press:
        case Answer(wave, instrument, item, value):
            return f"q:{wave}:{instrument}:{item}:{value}"
        case Toggle(wave, instrument, item, selection):
            return f"qm:{wave}:{instrument}:{item}:{selection}"
        case ContinueSurvey():
            return "survey:go"
        case Later(wave):
            return f"later:{wave}"
        case GoOn(wave):
            return f"goon:{wave}"


def decode(kind: str, parts: list[str]) -> SurveyPress | None:
    """The press behind button data `kind:parts`, or None."""
    match kind, parts:
        case "q", [wave, instrument, item, value] if _tokens(wave, instrument, item) and (
            _SIGNED.match(value)
        ):
            return Answer(wave, instrument, item, int(value))
        case "qm", [wave, instrument, item, selection] if _tokens(wave, instrument, item) and (
            _NUMBER.match(selection)
        ):
            return Toggle(wave, instrument, item, int(selection))
        case "survey", ["go"]:
            return ContinueSurvey()
        case "later", [wave] if _TOKEN.match(wave):
            return Later(wave)
        case "goon", [wave] if _TOKEN.match(wave):
            return GoOn(wave)
    return None


def _tokens(*parts: str) -> bool:
    return all(_TOKEN.match(part) for part in parts)
