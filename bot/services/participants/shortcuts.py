"""One tap instead of a command: the buttons under the help, and "▶️ Messages again" under the
answers that say messages are off.

A shortcut does what its command does (the router, `conversation.py`, calls the same service),
so commands keep working for those who know them and nobody has to type one.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.study import Participant, ParticipantStatus
from bot.outbox import Button
from bot.services import button_data
from bot.services.turns import Turn

PER_ROW = 2


def button(turn: Turn, name: str) -> Button:
    """The button that does what /`name` does, labelled in this person's language."""
    return button_data.button(turn.t(f"shortcut.{name}"), button_data.Shortcut(name))


def resume_row(turn: Turn) -> list[list[Button]]:
    """ "▶️ Messages again", under an answer that says messages are off."""
    return [[button(turn, "resume")]]


def offered_to(participant: Participant) -> list[str]:
    """The shortcuts that fit this person now: the open questionnaire if there is one, pause
    or resume as their messages are, and what everyone may do."""
    names = ["survey"] if participant.open_survey_wave is not None else []
    names += ["goal", "language"]
    if participant.status is ParticipantStatus.ACTIVE:
        names += ["pause", "stop"]
    elif participant.status is ParticipantStatus.PAUSED:
        names += ["resume", "stop"]
    else:
        names.append("resume")
    return [*names, "mydata", "delete"]


def rows(turn: Turn, names: Sequence[str]) -> list[list[Button]]:
    """Buttons for `names`, a few to a row."""
    return [
        [button(turn, name) for name in names[start : start + PER_ROW]]
        for start in range(0, len(names), PER_ROW)
    ]
