"""❓ Help and /help: what this person can do, in their language, for each role they hold.

A participant's help is made from what they have: a line for each button of their own menu
(their track's, the counsellor's only where there is one), an example in their track's words,
and buttons for the rest (goal, language, pause or resume, stop, their data), so it names
nothing they cannot do and asks them to type no command.
"""

from __future__ import annotations

from bot.db.study import IntakeStep, Participant, ParticipantStatus, Role
from bot.services.counsellor_inbox import tickets
from bot.services.intervention import has_ended
from bot.services.keyboard import menu_keys
from bot.services.participants import intake, shortcuts
from bot.services.peer_groups.together import menu as together
from bot.services.trial import Trial
from bot.services.turns import Turn

# which roles see which section: admins may use every staff command
STAFF_SECTIONS = (
    (frozenset({Role.COUNSELLOR, Role.ADMIN}), "help.counsellor"),
    (frozenset({Role.RESEARCHER, Role.ADMIN}), "help.researcher"),
    (frozenset({Role.ASSISTANT, Role.ADMIN}), "help.assistant"),
    (frozenset({Role.ADMIN}), "help.admin"),
)


async def show_help(turn: Turn, trial: Trial, intro: str | None = None) -> None:
    """Participants get their own menu explained and buttons for the rest; staff get their
    roles' commands (after the participant's part, when they also take part); anyone else
    how to take part. `intro` (a text) goes first."""
    roles = await turn.roles()
    parts = [intro] if intro else []
    buttons = []
    participant = _taking_part(turn)
    if participant is not None and participant.step is IntakeStep.DONE:
        parts.append(participant_help(turn, participant))
        names = shortcuts.offered_to(participant)
        if await together.offered(turn, trial):  # their group has something to choose
            names = [*names[:-2], "together", *names[-2:]]
        buttons = shortcuts.rows(turn, names)
    elif participant is not None:
        parts.append(turn.t("help.intake"))
    elif not roles:
        parts.append(turn.t("start.welcome", name=turn.incoming.first_name))
    parts += [turn.t(key) for allowed, key in STAFF_SECTIONS if roles & allowed]
    await turn.say("\n\n".join(parts), buttons=buttons)
    if participant is not None and participant.step is not IntakeStep.DONE:
        await intake.prompt(turn, trial)  # the question they are at, again


def participant_help(turn: Turn, participant: Participant) -> str:
    """What each of their menu's buttons does, and that everyday words work too."""
    lines = [
        turn.t("help.tap_line", label=turn.t(f"menu.{key}"), what=turn.t(f"help.tap.{key}"))
        for row in menu_keys(participant)
        for key in row
    ]
    example = turn.t(f"help.example_{participant.track}")
    return turn.t("help.participant", lines="\n".join(lines), example=example)


async def ask_counsellor(turn: Turn, trial: Trial, question: str | None) -> None:
    """/ask or the counsellor button: the question goes to their counsellor; without one in
    their arm they hear so, with what they can do here instead (never a pointer back)."""
    participant = _taking_part(turn)
    if (
        participant is not None
        and participant.step is IntakeStep.DONE
        and not tickets.has_contact(participant, trial)
    ):
        await show_help(turn, trial, intro=turn.t("help.no_counsellor"))
        return
    if participant is not None and has_ended(participant, trial, turn.now):
        await turn.say_text("ending.ask_closed")  # the inbox follows the person's own end
        return
    await tickets.ask(turn, trial, question)


def _taking_part(turn: Turn) -> Participant | None:
    participant = turn.participant
    if participant is None or participant.status is ParticipantStatus.ERASED:
        return None
    return participant
