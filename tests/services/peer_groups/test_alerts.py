"""Admin alerts from the group scan: a counsellor gone quiet, a group below its minimum. Each
is said once per spell, and a new spell is said again."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import PeerGroup
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    ADMIN,
    World,
    bound_group,
    formed_group,
    group_row,
    new_chat,
    outbox,
    rows,
)
from tests.texts import expected, said

WEEK = timedelta(days=7)  # the shipped counsellor_inactive_after


async def test_a_counsellor_quiet_for_a_week_is_reported_once_per_spell(world: World) -> None:
    group = await formed_group(world, 3)
    leader = group.leader.staff_id

    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.scan(world)
    await calls.bind(world, group.leader.user_id, new_chat(), group.code)  # active again
    world.clock.advance(WEEK - timedelta(hours=1))
    await calls.scan(world)
    world.clock.advance(timedelta(hours=1))
    await calls.scan(world)

    alerts = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    inactive = [a.text for a in alerts if said(a.text, "alerts.counsellor_inactive")]
    assert inactive == [expected("alerts.counsellor_inactive", staff=leader, days=7)] * 2


async def test_a_group_below_its_minimum_is_reported_once_members_had_time_to_join(
    world: World,
) -> None:
    group = await bound_group(world, 4)
    for member in group.members[:2]:
        await calls.request_join(world, group.chat_id, member.user_id)
        await calls.member_changed(world, group.chat_id, member, "joined")

    await calls.scan(world)
    early = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    world.clock.advance(timedelta(hours=73))  # past the last join reminder
    await calls.scan(world)
    world.clock.advance(timedelta(hours=1))
    await calls.scan(world)

    assert early == []
    alerts = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    assert [a.text for a in alerts] == [
        expected("alerts.group_small", group=group.id, members=2, minimum=3)
    ]
    since = (await group_row(world, group.id)).below_min_since
    assert since == world.clock.now() - timedelta(hours=1)

    third = group.members[2]
    await calls.request_join(world, group.chat_id, third.user_id)
    await calls.member_changed(world, group.chat_id, third, "joined")
    await calls.scan(world)
    [row] = await rows(world, PeerGroup)
    assert row.below_min_since is None
