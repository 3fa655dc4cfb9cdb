"""The opt-in ingredients at service level: a study whose peer arm offers some of them, and a
member's taps and typing in their private chat, made the way the bot makes them."""

from __future__ import annotations

import itertools
from dataclasses import replace

from bot.db.together import MemberChoices
from bot.services import button_data
from bot.services.button_data import Press, Together
from bot.services.participants import conversation
from bot.services.peer_groups.moderation import GroupCommand
from bot.services.peer_groups.together import hosting
from bot.services.runner import Service
from bot.services.turns import Incoming
from experiments.protocol import Component
from tests.services.peer_groups.world import Peer, Sent, World, outbox, replies, rows

_update_ids = itertools.count(90_000)
NAMES = ("Sanne", "Kees", "Fatima", "Joost", "Ayla", "Bram")  # first names Telegram sends


def offering(world: World, *components: Component) -> World:
    """The same world on a protocol whose peer arm also gets `components`."""
    protocol = world.trial.protocol
    arms = tuple(
        arm.model_copy(update={"components": (*arm.components, *components)})
        if arm.name == "peer"
        else arm
        for arm in protocol.arms
    )
    changed = protocol.model_copy(update={"arms": arms})
    trial = replace(world.trial, protocol=changed)
    return replace(world, runner=replace(world.runner, trial=trial))


def name_of(peer: Peer) -> str:
    """The first name Telegram sends for this member (the world's "Lid 0" has a digit)."""
    return NAMES[peer.participant_id % len(NAMES)]


async def run(world: World, peer: Peer, service: Service, *, wrote: bool = False) -> list[Sent]:
    """One update from the member in their private chat, through the runner; the replies."""
    update_id = next(_update_ids)
    incoming = Incoming(peer.user_id, name_of(peer), "nl", update_id, wrote=wrote)
    await world.runner.run(incoming, service, claim=update_id)
    return await replies(world, update_id)


async def tap(world: World, peer: Peer, press: Press | str) -> list[Sent]:
    """A tap on an inline button in the member's private chat (or forged data); the replies."""
    data = press if isinstance(press, str) else button_data.encode(press)
    return await run(world, peer, lambda turn, trial: conversation.press(turn, trial, data))


async def type_words(world: World, peer: Peer, words: str) -> list[Sent]:
    """Words typed in the member's private chat; the replies."""
    service: Service = lambda turn, trial: conversation.typed(turn, trial, words)  # noqa: E731
    return await run(world, peer, service, wrote=True)


async def pin(world: World, chat_id: int, user_id: int, message_id: int | None) -> list[Sent]:
    """/pin in a group, as a reply to `message_id` (None: not a reply); the replies."""
    update_id = next(_update_ids)
    command = GroupCommand(
        chat_id, user_id, update_id, 999, world.clock.now(), None, message_id, None, (), None
    )
    incoming = Incoming(user_id, "Sanne", "nl", update_id, chat_id=chat_id, in_group=True)
    await world.runner.run(incoming, hosting.pin, command, claim=update_id)
    return await replies(world, update_id)


async def shares(world: World, peer: Peer) -> None:
    """The member switches sharing on and confirms their Telegram first name by a tap."""
    await tap(world, peer, Together("share_on"))
    await tap(world, peer, Together("name_ok"))


async def wants_buddy(world: World, peer: Peer) -> list[Sent]:
    """The member asks for a buddy (confirming their name the first time); the last replies."""
    said = await tap(world, peer, Together("buddy_on"))
    if any(button.startswith("tg:name_ok") for s in said for button in _buttons(s)):
        said = await tap(world, peer, Together("name_ok"))
    return said


async def volunteers(world: World, peer: Peer) -> None:
    await tap(world, peer, Together("host_on"))


async def private_to(world: World, peer: Peer, kind: str) -> list[Sent]:
    """What the bot queued for the member of one kind, oldest first."""
    return await outbox(world, chat_id=peer.user_id, kind=kind)


async def choices_of(world: World, peer: Peer) -> MemberChoices | None:
    found = await rows(world, MemberChoices, MemberChoices.participant_id == peer.participant_id)
    return found[0] if found else None


def _buttons(sent: Sent) -> list[str]:
    markup = sent.params.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


def buttons(sent: Sent) -> list[str]:
    """The callback data of a message's inline buttons."""
    return _buttons(sent)
