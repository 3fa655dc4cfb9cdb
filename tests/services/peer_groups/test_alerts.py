"""Admin alerts from the group scan: a counsellor gone quiet, a group below its minimum. Each
is said once per spell, and a new spell is said again; none is said before it can be true, and
each names the group, the people concerned and the next step (issue 25, build 7)."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import GroupMember, PeerGroup
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    ADMIN,
    World,
    bound_group,
    counsellor,
    formed_group,
    group_row,
    members_of,
    new_chat,
    outbox,
    peers,
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
    first, second = inactive
    unbound = expected("alerts.group_unbound", group=group.id)
    assert first == expected(
        "alerts.counsellor_inactive", staff=leader, days=7, groups=unbound, group=group.id
    )
    bound = expected("alerts.group_ref", group=group.id)
    assert second == expected(
        "alerts.counsellor_inactive", staff=leader, days=7, groups=bound, group=group.id
    )


async def test_a_counsellor_is_not_idle_before_they_had_a_group_to_act_on(world: World) -> None:
    leader = await counsellor(world)
    world.clock.advance(4 * WEEK)  # invited long ago, nothing to do since
    members = await peers(world, 3)
    await calls.scan(world)  # the group is formed and given to them now
    at_formation = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    world.clock.advance(WEEK - timedelta(minutes=1))
    await calls.scan(world)
    a_minute_early = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    world.clock.advance(timedelta(minutes=1))
    await calls.scan(world)

    assert at_formation == a_minute_early == []
    [place] = await rows(
        world, GroupMember, GroupMember.participant_id == members[0].participant_id
    )
    [alert] = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    assert said(alert.text, "alerts.counsellor_inactive", staff=leader.staff_id, days=7)
    assert said(alert.text, "alerts.group_unbound", group=place.group_id, within=True)


async def test_a_group_below_its_minimum_is_reported_once_members_had_time_to_join(
    world: World,
) -> None:
    group = await bound_group(world, 4)
    for member in group.members[:2]:
        await calls.request_join(world, group.chat_id, member.user_id)
        await calls.member_changed(world, group.chat_id, member, "joined")

    await calls.scan(world)
    early = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    world.clock.advance(timedelta(hours=73))  # the last join reminder went out an hour ago
    await calls.scan(world)
    while_reminded = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    world.clock.advance(timedelta(hours=23))  # a day after it, as long as before the first
    await calls.scan(world)
    world.clock.advance(timedelta(hours=1))
    await calls.scan(world)

    assert early == while_reminded == []
    missing = [m.tag for m in await members_of(world, group.id) if m.status == "assigned"]
    alerts = await outbox(world, chat_id=ADMIN, kind="admin_alert")
    assert [a.text for a in alerts] == [
        expected(
            "alerts.group_small",
            group=group.id,
            track=expected("track.savings"),
            lead=expected("alerts.lead", staff=group.leader.staff_id),
            members=2,
            minimum=3,
            missing=", ".join(missing),
            gone=expected("alerts.nobody"),
        )
    ]
    since = (await group_row(world, group.id)).below_min_since
    assert since == world.clock.now() - timedelta(hours=1)

    third = group.members[2]
    await calls.request_join(world, group.chat_id, third.user_id)
    await calls.member_changed(world, group.chat_id, third, "joined")
    await calls.scan(world)
    [row] = await rows(world, PeerGroup)
    assert row.below_min_since is None
