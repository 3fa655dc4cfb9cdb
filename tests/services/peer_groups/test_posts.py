"""Posts in a group: the weekly count of who saved (or took a step), a topic a week, and the
counsellor's own words with /post (a member's own steps, by choice: test_sharing.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Language, plural
from experiments.protocol import Component
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    World,
    bound_group,
    counsellor,
    formed_group,
    joined_group,
    outbox,
    replies,
)
from tests.texts import expected, protocol_text, topic

WEEK = timedelta(days=7)  # the shipped group_progress_interval and curriculum_interval


async def _posts(world: World, chat_id: int, kind: str) -> list[str]:
    return [post.text for post in await outbox(world, chat_id=chat_id, kind=kind)]


async def test_the_weekly_post_counts_the_members_who_saved_and_names_nobody(
    world: World,
) -> None:
    group = await joined_group(world, 4)
    await calls.deposit(world, group.members[0], "10")
    await calls.deposit(world, group.members[1], "5,50")
    await calls.deposit(world, group.members[1], "2")

    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.scan(world)  # the next tick adds nothing

    progress = await _posts(world, group.chat_id, "group_progress")
    assert progress == [protocol_text("group_progress_savings", active=2, members=4)]
    assert await outbox(world, kind="progress_shared") == []  # nobody chose to share


def _without_checkin(world: World) -> World:
    protocol = world.trial.protocol
    peer = protocol.arm("peer")
    without = peer.model_copy(
        update={"components": tuple(c for c in peer.components if c is not Component.CHECKIN)}
    )
    arms = tuple(without if arm.name == "peer" else arm for arm in protocol.arms)
    return world.with_protocol(protocol.model_copy(update={"arms": arms}))


async def test_a_quiet_week_gets_a_neutral_prompt_and_downtime_one_post_not_three(
    world: World,
) -> None:
    world = _without_checkin(world)
    group = await joined_group(world, 3)
    world.clock.advance(WEEK)
    await calls.scan(world)

    world.clock.advance(WEEK * 3)
    await calls.scan(world)

    progress = await _posts(world, group.chat_id, "group_progress")
    assert progress == [expected("join.progress_quiet_savings")] * 2


async def test_a_quiet_week_in_a_check_in_group_leaves_the_new_week_to_the_plan_prompt(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    world.clock.advance(WEEK)
    await calls.scan(world)
    world.clock.advance(timedelta(hours=1))  # Monday 10:00 in Amsterdam: the plan prompt
    await calls.scan(world)

    assert await _posts(world, group.chat_id, "group_progress") == []
    assert len(await _posts(world, group.chat_id, "checkin_plan")) == 1


async def test_jobseekers_hear_how_many_took_a_step_and_applied_together(world: World) -> None:
    group = await joined_group(world, 3, track="jobsearch")
    await calls.applied(world, group.members[0], "3")
    await calls.applied(world, group.members[1], "2")

    world.clock.advance(WEEK)
    await calls.scan(world)

    applications = plural(Language.NL, "count.applications", 5)
    progress = await _posts(world, group.chat_id, "group_progress")
    assert progress == [
        protocol_text("group_progress_jobsearch", active=2, members=3, applications=applications)
    ]


async def test_topics_come_one_a_week_in_order_from_the_day_after_binding(world: World) -> None:
    group = await joined_group(world, 3)
    await calls.scan(world)
    assert await _posts(world, group.chat_id, "curriculum") == []  # members get a day to join

    world.clock.advance(timedelta(days=1))
    await calls.scan(world)
    world.clock.advance(WEEK)
    await calls.scan(world)
    await calls.scan(world)

    assert await _posts(world, group.chat_id, "curriculum") == [
        protocol_text("curriculum_prompt", week=week, topic=topic("savings", week))
        for week in (1, 2)
    ]


async def test_a_counsellors_post_reaches_their_bound_group_only(world: World) -> None:
    group = await bound_group(world, 3, band="21-25")
    unbound = await formed_group(world, 3, band="36-49")
    other = await counsellor(world)

    posted = await calls.post(world, group.leader.user_id, group.id, "Fijne week allemaal!")
    not_theirs = await calls.post(world, other.user_id, group.id, "Hallo")
    not_yet = await calls.post(world, unbound.leader.user_id, unbound.id, "Hallo")

    assert await _posts(world, group.chat_id, "counsellor_post") == ["Fijne week allemaal!"]
    # "posted" waits for Telegram's answer to the post (outcomes.post_ended), never before it
    assert [r.text for r in await replies(world, posted)] == []
    assert [r.text for r in await replies(world, not_theirs)] == [
        expected("counsellor.no_such_group", group=group.id)
    ]
    assert [r.text for r in await replies(world, not_yet)] == [
        expected("counsellor.not_bound", group=unbound.id, code=unbound.code)
    ]
    assert len(await outbox(world, kind="counsellor_post")) == 1
