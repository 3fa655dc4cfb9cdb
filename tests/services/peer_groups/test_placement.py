"""Nobody left waiting: whoever waited past the limit is placed in a running group of their arm
and track (the nearest band, which may grow by the protocol's slack) or in a smaller group, in
the order the protocol says, and joins like any member; every placement is an event."""

from __future__ import annotations

from datetime import timedelta

from bot.db.delivery import OutboxStatus
from bot.db.groups import FormationDecision, GroupStatus, PeerGroup
from experiments.records import EventKind
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    World,
    bound_group,
    context_of,
    events_of,
    formed_group,
    group_row,
    joined_group,
    links_made,
    members_of,
    outbox,
    peers,
    rows,
)
from tests.texts import expected, said

PAST_THE_LIMIT = timedelta(days=14)  # the shipped pool_max_wait


async def _group_of(world: World, participant_id: int) -> int | None:
    for group in await rows(world, PeerGroup):
        if participant_id in {m.participant_id for m in await members_of(world, group.id)}:
            return group.id
    return None


async def test_a_person_alone_in_a_pool_is_placed_by_the_wait_limit(world: World) -> None:
    group = await bound_group(world, 3, band="26-35")
    [alone] = await peers(world, 1, band="50-67")  # nobody waits with them, in any band
    world.clock.advance(PAST_THE_LIMIT - timedelta(minutes=1))
    await calls.scan(world)
    assert await _group_of(world, alone.participant_id) is None

    world.clock.advance(timedelta(minutes=1))
    await calls.scan(world)

    assert await _group_of(world, alone.participant_id) == group.id
    [told] = await outbox(world, chat_id=alone.user_id, kind="pool_placement")
    assert told.text == expected("pool.joined_group", size=4)
    [decision] = await rows(world, FormationDecision, FormationDecision.decision == "joined_group")
    assert (decision.group_id, decision.size, decision.age_band) == (group.id, 1, "50-67")


async def test_without_a_running_group_the_smallest_group_forms_across_every_band(
    world: World,
) -> None:
    world = world.with_groups(min_size=4)
    [young] = await peers(world, 1, band="16-20")
    [old] = await peers(world, 1, band="50-67")
    [middle] = await peers(world, 1, band="26-35")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    [group] = await rows(world, PeerGroup)
    assert (group.age_band, group.formed_size) == ("16-20+26-35+50-67", 3)
    for person in (young, old, middle):
        [told] = await outbox(world, chat_id=person.user_id, kind="pool_placement")
        assert told.text == expected("pool.merged", size=3)


async def test_a_running_group_takes_people_past_the_limit_up_to_its_slack(world: World) -> None:
    world = world.with_groups(min_size=4, size_slack=2)
    group = await bound_group(world, 5, band="26-35")  # full: groups of 4 to 5
    late = await peers(world, 3, band="36-49")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    members = {m.participant_id for m in await members_of(world, group.id)}
    assert [p.participant_id in members for p in late] == [True, True, False]
    told = [await outbox(world, chat_id=p.user_id, kind="pool_placement") for p in late]
    assert [t.text for t in told[0] + told[1]] == [
        expected("pool.joined_group", size=6),
        expected("pool.joined_group", size=7),
    ]
    [last] = told[2]
    assert said(last.text, "pool.not_placeable", within=True)


async def test_the_running_group_of_the_nearest_age_band_takes_them(world: World) -> None:
    far = await formed_group(world, 3, band="50-67")
    near = await formed_group(world, 4, band="21-25")
    [person] = await peers(world, 1, band="26-35")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    assert await _group_of(world, person.participant_id) == near.id
    assert len(await members_of(world, far.id)) == 3


async def test_a_running_group_keeps_its_arm_and_track(world: World) -> None:
    jobseekers = await formed_group(world, 3, track="jobsearch")
    [saver] = await peers(world, 1, track="savings")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    assert await _group_of(world, saver.participant_id) is None
    group = await group_row(world, jobseekers.id)
    assert (group.arm, group.track) == ("peer", "jobsearch")
    assert {m.participant_id for m in await members_of(world, group.id)} == {
        p.participant_id for p in jobseekers.members
    }


async def test_the_protocol_can_prefer_a_smaller_group_to_a_running_one(world: World) -> None:
    world = world.with_groups(min_size=4, placement_order=["smaller_group", "running_group"])
    running = await formed_group(world, 4, band="21-25")
    waiting = await peers(world, 3, band="50-67")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    [own] = {await _group_of(world, p.participant_id) for p in waiting}
    assert own != running.id
    [small] = await rows(world, FormationDecision, FormationDecision.decision == "formed_small")
    assert (small.group_id, small.size) == (own, 3)


async def test_by_default_a_running_group_comes_before_a_smaller_one(world: World) -> None:
    world = world.with_groups(min_size=4)
    running = await formed_group(world, 4, band="21-25")
    waiting = await peers(world, 3, band="50-67")  # enough for a smaller group of 3
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)

    assert {await _group_of(world, p.participant_id) for p in waiting} == {running.id}
    assert await rows(world, PeerGroup, PeerGroup.id != running.id) == []


async def test_a_late_joiner_gets_their_link_and_the_groups_welcome(world: World) -> None:
    group = await joined_group(world, 3, band="26-35")
    [late] = await peers(world, 1, band="26-35")
    world.clock.advance(PAST_THE_LIMIT)

    await calls.scan(world)
    links = await outbox(world, chat_id=group.chat_id, method="createChatInviteLink")
    await links_made(world)
    await calls.member_changed(world, group.chat_id, late, "joined")

    [member] = [
        m for m in await members_of(world, group.id) if m.participant_id == late.participant_id
    ]
    [call] = [c for c in links if c.status is OutboxStatus.PENDING]
    assert (call.params["name"], context_of(call)["member_id"]) == (member.tag, member.id)
    [link] = await outbox(world, chat_id=late.user_id, kind="group_link")
    assert link.text == expected("groups.your_link", link=f"https://t.me/+{member.tag}")
    welcome = (await outbox(world, chat_id=group.chat_id, kind="group_welcome"))[-1]
    assert said(welcome.text, "join.welcome", within=True)
    assert late.user_id in {e["user"]["id"] for e in welcome.params["entities"]}
    joins = await events_of(world, EventKind.GROUP_JOIN)
    assert joins[-1].participant_id == late.participant_id
    assert (await group_row(world, group.id)).status is GroupStatus.ACTIVE


async def test_every_placement_is_an_event_with_how_and_the_days_waited(world: World) -> None:
    group = await formed_group(world, 3, band="26-35")
    [late] = await peers(world, 1, band="36-49")
    world.clock.advance(PAST_THE_LIMIT + timedelta(days=2))

    await calls.scan(world)

    placed = {e.participant_id: e.detail for e in await events_of(world, EventKind.GROUP_PLACED)}
    for member in group.members:
        assert placed[member.participant_id] == {
            "group": group.id,
            "decision": "formed",
            "waited_days": 0,
        }
    assert placed[late.participant_id] == {
        "group": group.id,
        "decision": "joined_group",
        "waited_days": 16,
    }
