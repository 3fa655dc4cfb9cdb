"""The bot never claims a mute that did not happen: after the last warning, and when flood
control steps in, "muted" is said in the group and to staff only once Telegram muted the member;
when Telegram refuses, nothing is announced and the staff who answer for the group hear why."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import ModerationAction
from bot.outbox.outcomes import Delivered, Outcome, Rejected
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    Group,
    Sent,
    World,
    joined_group,
    members_of,
    outbox,
    rows,
)
from tests.texts import expected, said

NO_RIGHT = Rejected("Bad Request: not enough rights to restrict/unrestrict chat member")
HOUR = expected("duration.hours", count=1)
WHY_RIGHTS = expected("outcome.why_rights")


async def _said_in_group(world: World, group: Group) -> list[str]:
    return [m.text for m in await outbox(world, chat_id=group.chat_id) if m.method == "sendMessage"]


async def _alerts(world: World, group: Group) -> list[str]:
    return [m.text for m in await outbox(world, chat_id=group.leader.user_id, kind="group_alert")]


async def _mute_call(world: World, group: Group) -> Sent:
    [call] = await outbox(world, chat_id=group.chat_id, method="restrictChatMember")
    return call


async def _warned_three_times(world: World, group: Group) -> None:
    for _ in range(3):
        await calls.moderate(world, "warn", group.chat_id, group.leader.user_id, group.members[0])


async def _flooded(world: World, group: Group) -> None:
    """Ten messages within five seconds from the first member (the shipped limit)."""
    for message_id in range(100, 110):
        await calls.group_message(world, group.chat_id, group.members[0].user_id, message_id)
        world.clock.advance(timedelta(milliseconds=100))


async def _mute_ended(world: World, group: Group, outcome: Outcome) -> None:
    await calls.calls_ended(world, [((await _mute_call(world, group)).id, outcome)])


async def test_the_last_warning_says_muted_only_once_telegram_muted_the_member(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await _warned_three_times(world, group)
    muted_in_group = expected(
        "join.mod_warned_muted",
        name="Lid 0",
        limit=3,
        duration=HOUR,
        reason=expected("join.no_reason"),
    )
    assert muted_in_group not in await _said_in_group(world, group)
    assert await _alerts(world, group) == []

    await _mute_ended(world, group, Delivered(None, {}))

    assert muted_in_group in await _said_in_group(world, group)
    [told] = await _alerts(world, group)
    assert said(told, "moderation.limit_reached", group=group.id, count=3, duration=HOUR)


async def test_a_last_warning_telegram_refuses_announces_no_mute_and_the_counsellor_hears_why(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await _warned_three_times(world, group)
    before = await _said_in_group(world, group)

    await _mute_ended(world, group, NO_RIGHT)

    assert await _said_in_group(world, group) == before
    what = expected("outcome.what_warn", name="Lid 0")
    why = expected("outcome.not_done", what=what, group=group.id, why=WHY_RIGHTS)
    assert await _alerts(world, group) == [why]
    [member, *_] = await members_of(world, group.id)
    assert member.muted_until is None


async def test_flood_control_says_muted_only_once_telegram_muted_the_member(world: World) -> None:
    group = await joined_group(world, 3)
    await _flooded(world, group)
    notice = expected("moderation.flood_muted", duration=HOUR)
    assert notice not in await _said_in_group(world, group)
    assert await _alerts(world, group) == []

    await _mute_ended(world, group, Delivered(None, {}))

    assert notice in await _said_in_group(world, group)
    [told] = await _alerts(world, group)
    assert said(told, "moderation.flood_told", group=group.id, count=10, seconds=5, duration=HOUR)


async def test_a_flood_mute_telegram_refuses_is_not_announced_and_the_counsellor_hears_why(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await _flooded(world, group)
    before = await _said_in_group(world, group)

    await _mute_ended(world, group, NO_RIGHT)

    assert await _said_in_group(world, group) == before
    [member, *_] = await members_of(world, group.id)
    what = expected("outcome.what_flood", name=member.tag)
    why = expected("outcome.not_done", what=what, group=group.id, why=WHY_RIGHTS)
    assert await _alerts(world, group) == [why]
    assert member.muted_until is None
    [action] = await rows(world, ModerationAction)
    assert (action.action, action.failure) == ("flood_mute", NO_RIGHT.reason)
