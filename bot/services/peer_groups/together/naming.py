"""The name others see (SPEC §11.4): offered from the person's Telegram first name, or typed, and
always confirmed by a tap before anything shows it.

A name is for sharing in the group, for a buddy, or for the week's topic posted by its host; the
one confirmed for sharing or a buddy is kept while either is on (`places.release_name`). A typed
name is taken only for a short while after "another name" was tapped, so everyday words typed
later still reach the ledger. Digits, @ and links are refused: no phone number or username
travels through a name.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final, Literal

from bot.db.together import NAME_LENGTH
from bot.outbox import Button
from bot.services import button_data
from bot.services.button_data import Together
from bot.services.peer_groups.together.places import Place
from bot.services.turns import Turn

Purpose = Literal["sharing", "buddy", "host"]
PURPOSES: Final[tuple[Purpose, ...]] = ("sharing", "buddy", "host")
TYPING_WINDOW: Final = timedelta(minutes=15)  # how long a typed message is taken as the name
_REFUSED = re.compile(r"[0-9@/\\:<>{}\[\]#+=|]|https?|t\.me|www\.", re.IGNORECASE)


def clean_name(words: str | None) -> str | None:
    """`words` as a name to show (spaces tidied), or None when it cannot be one: empty, too
    long, without a letter, or with digits, @ or a link in it."""
    name = " ".join((words or "").split())
    if not name or len(name) > NAME_LENGTH or _REFUSED.search(name):
        return None
    if not any(character.isalpha() for character in name):
        return None
    return name


def purpose_of(place: Place) -> Purpose | None:
    """What the name being chosen is for, if a choice is under way."""
    pending = place.choices.pending_for
    return next((purpose for purpose in PURPOSES if purpose == pending), None)


async def ask_name(turn: Turn, place: Place, purpose: Purpose) -> None:
    """Offer their Telegram first name to confirm by a tap, or ask them to type one."""
    choices = place.choices
    choices.pending_for = purpose
    offered = clean_name(turn.incoming.first_name)
    if offered is None:
        choices.pending_name = None
        choices.naming_since = turn.now
        await turn.say_text("together.name.type", limit=NAME_LENGTH)
        return
    choices.pending_name = offered
    choices.naming_since = None
    example = turn.plural(_example_key(place), 3, name=offered)
    await turn.say_text(
        f"together.name.ask_{purpose}", buttons=confirm_buttons(turn, offered), example=example
    )


def confirm_buttons(turn: Turn, name: str) -> list[list[Button]]:
    """✅ the name, ✏️ another name, ✖️ not after all."""
    return [
        [button_data.button(turn.t("together.name.use", name=name), Together("name_ok"))],
        [button_data.button(turn.t("together.name.other"), Together("name_other"))],
        [button_data.button(turn.t("together.name.cancel"), Together("name_no"))],
    ]


async def another_name(turn: Turn, place: Place) -> None:
    """ "Another name": the next message they type (for a short while) is the name."""
    choices = place.choices
    if choices.pending_for is None:
        await turn.say_text("button.answered")
        return
    choices.pending_name = None
    choices.naming_since = turn.now
    await turn.say_text("together.name.type", limit=NAME_LENGTH)


async def typed(turn: Turn, place: Place, words: str) -> bool:
    """A typed message while a name is asked for: offered back for a tap, or refused kindly.
    False when no name is being asked for (the words are meant for something else)."""
    choices = place.choices
    since = choices.naming_since
    if choices.pending_for is None or since is None or turn.now - since > TYPING_WINDOW:
        return False
    name = clean_name(words)
    if name is None:
        await turn.say_text("together.name.refused", limit=NAME_LENGTH)
        return True
    choices.pending_name = name
    choices.naming_since = None
    await turn.say_text("together.name.confirm", buttons=confirm_buttons(turn, name), name=name)
    return True


def confirmed(place: Place) -> Purpose | None:
    """The tap that confirms the offered name: it becomes the name shown. What it was for, or
    None when no name was waiting (a stale button)."""
    choices = place.choices
    purpose = purpose_of(place)
    if purpose is None or choices.pending_name is None:
        return None
    choices.shown_name = choices.pending_name
    choices.pending_name = None
    choices.pending_for = None
    choices.naming_since = None
    return purpose


def _example_key(place: Place) -> str:
    track = place.group.track
    return "together.shared.deposits" if track == "savings" else "together.shared.applications"
