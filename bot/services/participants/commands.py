"""The participant's commands: one list, read by the handlers, the fallback's guesses, the help
and the command list Telegram shows beside the text field (setMyCommands).

Each command says what a person must have to use it: a logbook of their track (the protocol's
`[tracks]`), or a counsellor (arms with `counsellor_contact`). `usable_by` is the one answer to
"may this person do that?", so no text, list or guess offers what their track or arm lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.db.study import Participant
from bot.services.counsellor_inbox.tickets import has_contact
from bot.services.trial import Trial
from experiments.protocol import Track

# what a command needs: a track that keeps that logbook, or a counsellor to ask
Needs = Literal["savings", "jobsearch", "counsellor"]


@dataclass(frozen=True)
class ParticipantCommand:
    name: str
    listed: bool  # shown in Telegram's command list; the others are answered all the same
    needs: Needs | None = None


PARTICIPANT_COMMANDS: Final = (
    ParticipantCommand("start", listed=True),
    ParticipantCommand("deposit", listed=True, needs="savings"),
    ParticipantCommand("withdraw", listed=False, needs="savings"),
    ParticipantCommand("undo", listed=False),
    ParticipantCommand("applied", listed=True, needs="jobsearch"),
    ParticipantCommand("interview", listed=False, needs="jobsearch"),
    ParticipantCommand("job", listed=False, needs="jobsearch"),
    ParticipantCommand("training", listed=False, needs="jobsearch"),
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
    ParticipantCommand("ask", listed=False, needs="counsellor"),
)
COMMAND_NAMES: Final = tuple(command.name for command in PARTICIPANT_COMMANDS)
# the command list beside the text field, in this order (the bot's default, for everyone)
MENU_COMMANDS: Final = tuple(command.name for command in PARTICIPANT_COMMANDS if command.listed)


def has(participant: Participant | None, needs: Needs | None, trial: Trial) -> bool:
    """Whether this person has what `needs` names (everyone has what needs nothing)."""
    if needs is None:
        return True
    if participant is None:
        return False
    if needs == "counsellor":
        return has_contact(participant, trial)
    return trial.protocol.tracks.may_log(participant.track, Track(needs))


def usable_by(participant: Participant | None, trial: Trial) -> tuple[str, ...]:
    """The commands this person may use, in the list's order; someone not (yet) taking part
    gets every command (each answers them with how to take part)."""
    if participant is None:
        return COMMAND_NAMES
    return tuple(
        command.name for command in PARTICIPANT_COMMANDS if has(participant, command.needs, trial)
    )


def listed_for(participant: Participant | None, trial: Trial) -> tuple[str, ...]:
    """The command list beside this person's text field: the listed commands they may use."""
    usable = set(usable_by(participant, trial))
    return tuple(name for name in MENU_COMMANDS if name in usable)
