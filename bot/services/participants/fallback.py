"""An answer to every private message no other handler took: a person never meets silence.

Nothing here records anything: a typo, a voice note or an edited message only gets words back.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

from bot.db.study import Role
from bot.services.keyboard import menu_for
from bot.services.participants.commands import COMMAND_NAMES, usable_by
from bot.services.trial import Trial
from bot.services.turns import Turn

STAFF_COMMANDS = {
    Role.COUNSELLOR: ("groups", "group", "flags", "post", "tickets"),
    Role.RESEARCHER: ("trial",),
    Role.ASSISTANT: ("tickets", "call"),
    Role.ADMIN: (
        "groups",
        "group",
        "flags",
        "post",
        "trial",
        "codes",
        "invite",
        "assign",
        "tickets",
        "call",
    ),
}
GROUP_ONLY_COMMANDS = ("bind", "warn", "mute", "unmute", "remove", "pin", "rules", "report")
# difflib's similarity ratio: /deposti → deposit is 0.86, /aplied → applied 0.92; 0.6 keeps
# two-letter slips and drops guesses between unrelated words.
SIMILAR_ENOUGH = 0.6


def command_of(typed: str) -> tuple[str, str]:
    """ "/Aplied@bot 2" → ("aplied", "2"): the command's name and what follows it."""
    head, _, rest = typed.strip().partition(" ")
    return head.lstrip("/").split("@")[0].lower(), rest.strip()


def nearest_command(name: str, known: Collection[str]) -> str | None:
    """The known command closest to a mistyped `name`, or None when none is close."""
    found = difflib.get_close_matches(name, list(known), n=1, cutoff=SIMILAR_ENOUGH)
    return found[0] if found else None


async def commands_for(turn: Turn, trial: Trial) -> set[str]:
    """The private-chat commands this person may use: their participant commands (those their
    track and arm have) plus their roles'."""
    known = set(usable_by(turn.participant, trial))
    for role in await turn.roles():
        known.update(STAFF_COMMANDS[role])
    return known


async def unknown_command(turn: Turn, trial: Trial, typed: str) -> None:
    """A command no handler knows: suggest the nearest one, else point at the buttons. A slip
    nearest to a command this person cannot use ("/deposti" from a jobseeker) gets no
    suggestion: neither that command nor a stranger one."""
    name, rest = command_of(typed)
    if name in GROUP_ONLY_COMMANDS:
        await turn.say_text("fallback.group_only", command=f"/{name}")
        return
    usable = await commands_for(turn, trial)
    suggestion = nearest_command(name, usable | set(COMMAND_NAMES))
    if suggestion is None or suggestion not in usable:
        await turn.say_text("fallback.unknown_command")
        return
    await turn.say_text("fallback.did_you_mean", command=f"/{suggestion} {rest}".strip())


async def not_text(turn: Turn, _trial: Trial) -> None:
    """A voice note, photo, video, sticker, document or location: we read only text."""
    await turn.say_text("fallback.not_text")


async def edited(turn: Turn, _trial: Trial) -> None:
    """A change to a message already sent: never counted again, and the person is told (with
    the menu's undo button, for someone who logs)."""
    if not menu_for(turn.participant, turn.language):
        await turn.say_text("fallback.edit_not_counted")
        return
    await turn.say_text("fallback.edit_not_counted_undo", button=turn.t("menu.undo"))


async def other_text(turn: Turn, _trial: Trial) -> None:
    """Text no one else answered: a short pointer to the buttons."""
    await turn.say_text("unknown.text")
