"""The participant's commands: one list, read by the handlers, the fallback's guesses and the
command list Telegram shows beside the text field (setMyCommands)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ParticipantCommand:
    name: str
    listed: bool  # shown in Telegram's command list; the others are answered all the same


PARTICIPANT_COMMANDS: Final = (
    ParticipantCommand("start", listed=True),
    ParticipantCommand("deposit", listed=True),
    ParticipantCommand("undo", listed=False),
    ParticipantCommand("applied", listed=True),
    ParticipantCommand("interview", listed=False),
    ParticipantCommand("job", listed=False),
    ParticipantCommand("training", listed=False),
    ParticipantCommand("progress", listed=True),
    ParticipantCommand("survey", listed=True),
    ParticipantCommand("goal", listed=True),
    ParticipantCommand("help", listed=True),
    ParticipantCommand("language", listed=True),
    ParticipantCommand("pause", listed=True),
    ParticipantCommand("resume", listed=True),
    ParticipantCommand("stop", listed=True),
    ParticipantCommand("mydata", listed=True),
    ParticipantCommand("delete", listed=True),
    ParticipantCommand("ask", listed=False),
)
COMMAND_NAMES: Final = tuple(command.name for command in PARTICIPANT_COMMANDS)
# the command list beside the text field, in this order
MENU_COMMANDS: Final = tuple(command.name for command in PARTICIPANT_COMMANDS if command.listed)
