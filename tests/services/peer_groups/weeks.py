"""The check-in's week as the tests see it: its moments in the shipped study (plans on Monday
10:00, results on Friday 16:00, Amsterdam; the tests' clock starts on Monday 5 January 2026,
09:00 there), the week's posts and their buttons, and the toasts that answered taps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.i18n import Language
from bot.i18n.money import format_amount
from bot.outbox.outcomes import Delivered
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import Group, Sent, World, outbox
from tests.texts import expected

PLAN_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday 10:00 in Amsterdam
REVIEW_AT = datetime(2026, 1, 9, 15, 0, tzinfo=UTC)  # Friday 16:00
WEEK_END = datetime(2026, 1, 11, 23, 0, tzinfo=UTC)  # Monday 00:00
NL = Language.NL


def saving(euros: int) -> str:
    """The label of the plan to save `euros` this week."""
    return expected("checkin.save", amount=format_amount(euros * 100, NL))


def buttons(sent: Sent) -> dict[str, str]:
    """A queued message's inline buttons: label -> callback data."""
    return buttons_of(sent.params)


def buttons_of(message: Mapping[str, Any]) -> dict[str, str]:
    """The inline buttons of a message (as Telegram shows it, or as queued): label -> data."""
    markup: Mapping[str, Any] = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def posts(world: World, group: Group, kind: str) -> list[Sent]:
    return await outbox(world, chat_id=group.chat_id, kind=kind)


async def toasts(world: World) -> list[str]:
    return [call.text for call in await outbox(world, kind="checkin_toast")]


async def asked(world: World, group: Group, *, message_id: int = 900) -> Sent:
    """Monday 10:00: the plan prompt, delivered to the group as message `message_id`."""
    world.clock.set(PLAN_AT)
    await calls.scan(world)
    [prompt] = await posts(world, group, "checkin_plan")
    await calls.calls_ended(world, [(prompt.id, Delivered(message_id))])
    return prompt
