"""/help: what this person can do, in their language, for each role they hold."""

from __future__ import annotations

from bot.db.study import Role
from bot.services.trial import Trial
from bot.services.turns import Turn

# which roles see which section: admins may use every staff command
STAFF_SECTIONS = (
    (frozenset({Role.COUNSELLOR, Role.ADMIN}), "help.counsellor"),
    (frozenset({Role.RESEARCHER, Role.ADMIN}), "help.researcher"),
    (frozenset({Role.ADMIN}), "help.admin"),
)


async def show_help(turn: Turn, _trial: Trial) -> None:
    """Participants get their commands; staff get their roles' commands (and, when they also
    take part, the participant's ones first)."""
    roles = await turn.roles()
    keys = [key for allowed, key in STAFF_SECTIONS if roles & allowed]
    if not keys or turn.participant is not None:
        keys.insert(0, "help.text")
    if turn.participant is not None and turn.participant.counsellor_id is not None:
        keys.insert(1, "inbox.help_participant")  # arms with counsellor_contact
    await turn.say("\n\n".join(turn.t(key) for key in keys))
