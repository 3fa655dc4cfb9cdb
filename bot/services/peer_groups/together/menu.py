"""👥 Samen: a member's private menu of what they share in their group, and where its taps go.

It shows only what the group offers (a group without these ingredients offers none of them),
each line saying whether it is on, with one button to switch it. Every tap is checked again
here: a tap for something the group does not offer, from someone not in a running group, or for
a name no longer waiting changes nothing and says so.
"""

from __future__ import annotations

from bot.db.study import IntakeStep, ParticipantStatus
from bot.db.together import MemberChoices
from bot.outbox import Button
from bot.services import button_data
from bot.services.button_data import Together, TogetherAction
from bot.services.peer_groups.together import buddies, buddy_lines, hosting, naming, sharing
from bot.services.peer_groups.together.buddies import seats_of
from bot.services.peer_groups.together.places import Place, place_of
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Component

# which component each tap switches
NEEDS: dict[TogetherAction, Component] = {
    "share_on": Component.PROGRESS_SHARING,
    "share_off": Component.PROGRESS_SHARING,
    "buddy_on": Component.BUDDY,
    "buddy_off": Component.BUDDY,
    "cheer": Component.BUDDY,
    "host_on": Component.HOST_ROTATION,
    "host_off": Component.HOST_ROTATION,
    "host_post": Component.HOST_ROTATION,
}


async def member_place(turn: Turn, trial: Trial) -> Place | None:
    """The turn's participant's place in a running group, if they have one."""
    participant = turn.participant
    if (
        participant is None
        or participant.step is not IntakeStep.DONE
        or participant.status is ParticipantStatus.ERASED
    ):
        return None
    return await place_of(turn.session, trial, participant)


async def offered(turn: Turn, trial: Trial) -> bool:
    """Whether this person's group offers anything to choose (the help then has the button)."""
    place = await member_place(turn, trial)
    return place is not None and bool(place.offered)


async def show(turn: Turn, trial: Trial) -> None:
    """The menu: each ingredient the group offers, on or off, with its switch."""
    place = await member_place(turn, trial)
    if place is None:
        await turn.say_text("together.not_in_group")
        return
    if not place.offered:
        await turn.say_text("together.nothing_here")
        return
    lines = [turn.t("together.menu.intro")]
    rows: list[list[Button]] = []
    choices = place.choices
    if place.offers(Component.PROGRESS_SHARING):
        on = choices.sharing_since is not None
        lines.append(
            turn.t("together.menu.sharing_on", name=choices.shown_name or "")
            if on
            else turn.t("together.menu.sharing_off")
        )
        rows.append([_button(turn, "share_off" if on else "share_on")])
    if place.offers(Component.BUDDY):
        lines.append(await _buddy_line(turn, place))
        rows.append([_button(turn, "buddy_off" if choices.buddy_since else "buddy_on")])
    if place.offers(Component.HOST_ROTATION):
        on = choices.host_since is not None
        lines.append(turn.t("together.menu.host_on" if on else "together.menu.host_off"))
        rows.append([_button(turn, "host_off" if on else "host_on")])
    if choices.shown_name is not None:
        rows.append([_button(turn, "rename")])
    await turn.say("\n\n".join(lines), buttons=rows)


async def _buddy_line(turn: Turn, place: Place) -> str:
    choices = place.choices
    if choices.buddy_since is None:
        return turn.t("together.menu.buddy_off")
    if choices.buddy_pair_id is None:
        return turn.t("together.menu.buddy_waiting")
    seats = await seats_of(turn.session, choices.buddy_pair_id)
    names = [seat.name for seat in seats if seat.participant.id != place.participant.id]
    return turn.t("together.menu.buddy_paired", names=turn.t("join.and").join(names))


def _button(turn: Turn, action: TogetherAction) -> Button:
    return button_data.button(turn.t(f"together.button.{action}"), Together(action))


async def press(turn: Turn, trial: Trial, request: Together) -> None:
    """A tap on one of the menu's buttons, a name's confirmation, a cheer or a host's post."""
    place = await member_place(turn, trial)
    if place is None:
        await turn.say_text("together.not_in_group")
        return
    needed = NEEDS.get(request.action)
    if needed is not None and not place.offers(needed):
        await turn.say_text("together.not_offered")
        return
    match request.action:
        case "menu":
            await show(turn, trial)
        case "share_on":
            await sharing.switch_on(turn, place)
        case "share_off":
            await sharing.switch_off(turn, place)
        case "buddy_on":
            await buddies.switch_on(turn, place)
        case "buddy_off":
            await buddies.switch_off(turn, place)
        case "host_on":
            await hosting.switch_on(turn, place)
        case "host_off":
            await hosting.switch_off(turn, place)
        case "cheer":
            pair_id, buddy_id = request.numbers
            await buddy_lines.cheer(turn, trial, place, pair_id, buddy_id)
        case "host_post":
            await hosting.post_for_host(turn, trial, place, request.numbers[0])
        case "rename":
            await _rename(turn, place)
        case "name_other":
            await naming.another_name(turn, place)
        case "name_no":
            place.choices.pending_name = place.choices.pending_for = None
            place.choices.naming_since = None
            await turn.say_text("together.name.cancelled")
        case "name_ok":
            await _name_confirmed(turn, trial, place)


async def _rename(turn: Turn, place: Place) -> None:
    """A new name for what already shows one (sharing, else the buddy)."""
    purpose: naming.Purpose = "sharing" if place.choices.sharing_since else "buddy"
    place.choices.pending_for = purpose
    await naming.another_name(turn, place)


async def _name_confirmed(turn: Turn, trial: Trial, place: Place) -> None:
    """The tap on ✅ name: what the name was asked for goes on."""
    renaming = place.choices.shown_name is not None and (
        place.choices.sharing_since is not None or place.choices.buddy_since is not None
    )
    purpose = naming.confirmed(place)
    if purpose is None:
        await turn.say_text("button.answered")
    elif purpose == "host":
        week = await hosting.this_weeks(turn, trial, place)
        if week is None:
            await turn.say_text("together.host.not_now")
        else:
            await hosting.post_named(turn, trial, place, week)
    elif renaming:
        await turn.say_text("together.name.renamed", name=place.choices.shown_name or "")
    elif purpose == "sharing":
        await sharing.start(turn, place)
    else:
        await buddies.start(turn, place)


async def typed(turn: Turn, trial: Trial, words: str) -> bool:
    """Typed words while a name is asked for (see naming.typed); False if none is."""
    participant = turn.participant
    waiting = await turn.session.get(MemberChoices, participant.id) if participant else None
    if waiting is None or waiting.naming_since is None:
        return False  # the common case, in one lookup by key
    place = await member_place(turn, trial)
    return place is not None and await naming.typed(turn, place, words)
