"""The group goal (component `group_goal`): the week's target is the sum of the members' plans,
shown in one pinned message that is edited (never posted again) as plans and progress come in,
counted by the one ledger rule; reaching it is celebrated once; the week's end unpins it."""

from __future__ import annotations

from bot.db.group_weeks import GroupWeek
from bot.db.groups import GroupIngredients
from bot.i18n import Language, plural
from bot.i18n.money import format_amount
from bot.outbox.outcomes import Delivered
from experiments.protocol import Component, GroupFactorial
from tests.services.peer_groups import calls
from tests.services.peer_groups.weeks import (
    WEEK_END,
    asked,
    buttons,
    posts,
    saving,
)
from tests.services.peer_groups.world import Group, World, joined_group, replies, rows
from tests.texts import expected

NL = Language.NL


def euros(amount: int) -> str:
    return format_amount(amount * 100, NL)


def goal(target: int, progress: int) -> str:
    return expected("checkin.goal_savings", target=euros(target), progress=euros(progress))


async def plan(world: World, group: Group, member: int, label: str) -> None:
    """Member number `member` taps the plan `label` under the week's prompt."""
    [prompt] = await posts(world, group, "checkin_plan")
    data = buttons(prompt)[label]
    await calls.checkin_tap(world, group.chat_id, group.members[member].user_id, data)


async def goal_delivered(world: World, group: Group, message_id: int = 950) -> None:
    [posted] = await posts(world, group, "group_goal")
    await calls.calls_ended(world, [(posted.id, Delivered(message_id))])


async def test_the_goal_is_the_sum_of_the_plans_pinned_once_and_edited_not_reposted(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await asked(world, group)
    await plan(world, group, 0, saving(10))
    await plan(world, group, 1, saving(25))
    await calls.scan(world)
    await goal_delivered(world, group, 950)

    await calls.deposit(world, group.members[0], "10")
    await calls.scan(world)
    await plan(world, group, 2, saving(10))
    await calls.scan(world)
    await calls.scan(world)  # nothing new: no edit

    [posted] = await posts(world, group, "group_goal")
    assert posted.text == goal(35, 0)
    [pin] = await posts(world, group, "group_goal_pin")
    assert (pin.method, pin.params["message_id"]) == ("pinChatMessage", 950)
    edits = await posts(world, group, "group_goal_edit")
    assert [(e.params["message_id"], e.text) for e in edits] == [
        (950, goal(35, 10)),
        (950, goal(45, 10)),
    ]
    [week] = await rows(world, GroupWeek)
    assert (week.goal_unit, week.goal_target, week.goal_progress) == ("cents", 4500, 1000)


async def test_reaching_the_goal_is_celebrated_once(world: World) -> None:
    group = await joined_group(world, 3)
    await asked(world, group)
    await plan(world, group, 0, saving(10))
    await calls.scan(world)
    await goal_delivered(world, group)

    await calls.deposit(world, group.members[1], "6")
    await calls.deposit(world, group.members[2], "5")
    await calls.scan(world)
    await calls.deposit(world, group.members[0], "10")
    await calls.scan(world)

    [celebration] = await posts(world, group, "group_goal_reached")
    assert celebration.text == expected("checkin.celebrate_savings")
    edits = await posts(world, group, "group_goal_edit")
    reached = expected("checkin.goal_reached_savings", progress=euros(11), target=euros(10))
    assert [e.text for e in edits][-2:] == [
        reached,
        expected("checkin.goal_reached_savings", progress=euros(21), target=euros(10)),
    ]
    # one new message (it notifies) beside the quiet edit, and the two say different things
    assert not _shared_words(celebration.text, reached)


async def test_an_undone_deposit_is_taken_out_of_the_goals_progress(world: World) -> None:
    group = await joined_group(world, 3)
    await asked(world, group)
    await plan(world, group, 0, saving(25))
    await calls.deposit(world, group.members[0], "10")
    await calls.deposit(world, group.members[1], "5")
    await calls.scan(world)
    await goal_delivered(world, group)

    asked_to_undo = await calls.undo(world, group.members[0])
    [question] = await replies(world, asked_to_undo)
    await calls.press(world, group.members[0], buttons(question)[expected("undo.yes")])
    await calls.scan(world)

    [posted] = await posts(world, group, "group_goal")
    assert posted.text == goal(25, 15)
    assert [e.text for e in await posts(world, group, "group_goal_edit")] == [goal(25, 5)]


async def test_jobseekers_share_a_goal_in_steps(world: World) -> None:
    group = await joined_group(world, 3, track="jobsearch")
    await asked(world, group)
    await plan(world, group, 0, plural(NL, "count.applications", 2))
    await plan(world, group, 1, plural(NL, "count.interviews", 1))
    await plan(world, group, 2, expected("checkin.other"))  # adds nothing to the goal
    await calls.applied(world, group.members[2], "2")
    await calls.scan(world)

    [posted] = await posts(world, group, "group_goal")
    assert posted.text == expected(
        "checkin.goal_jobsearch",
        target=plural(NL, "checkin.steps", 3),
        progress=plural(NL, "checkin.steps", 2),
    )


async def test_the_weeks_end_keeps_the_result_and_unpins_the_goal(world: World) -> None:
    group = await joined_group(world, 3)
    await asked(world, group)
    await plan(world, group, 0, saving(25))
    await calls.deposit(world, group.members[0], "5")
    await calls.scan(world)
    await goal_delivered(world, group, 950)

    world.clock.set(WEEK_END)
    await calls.scan(world)

    last = (await posts(world, group, "group_goal_edit"))[-1]
    assert last.text == expected("checkin.goal_ended_savings", progress=euros(5), target=euros(25))
    calls_made = await posts(world, group, "group_goal_pin")
    assert [(c.method, c.params["message_id"]) for c in calls_made] == [
        ("pinChatMessage", 950),
        ("unpinChatMessage", 950),
    ]


async def test_nobody_gets_a_goal_before_a_plan_adds_up_to_one(world: World) -> None:
    group = await joined_group(world, 3)
    await asked(world, group)
    await calls.scan(world)
    await plan(world, group, 0, expected("checkin.other"))
    await calls.scan(world)
    assert await posts(world, group, "group_goal") == []


async def test_only_groups_whose_draw_switched_the_goal_on_get_one(world: World) -> None:
    protocol = world.trial.protocol
    peer = protocol.arm("peer")
    arms = tuple(
        peer.model_copy(
            update={"components": tuple(c for c in peer.components if c != Component.GROUP_GOAL)}
        )
        if arm.name == "peer"
        else arm
        for arm in protocol.arms
    )
    factorial = GroupFactorial(factors=(Component.GROUP_GOAL,), block_multiples=(1,))
    world = world.with_protocol(
        protocol.model_copy(update={"arms": arms, "group_factorial": factorial})
    )
    # two savings groups of one arm: one block of the draw, so one with the goal, one without
    groups = [await joined_group(world, 3, band=band) for band in ("21-25", "36-49")]
    for group in groups:
        await asked(world, group)
        await plan(world, group, 0, saving(10))
    await calls.scan(world)

    cells = {row.group_id: row.cell for row in await rows(world, GroupIngredients)}
    assert sorted("group_goal" in cells[group.id] for group in groups) == [False, True]
    for group in groups:
        got_goal = len(await posts(world, group, "group_goal")) == 1
        assert got_goal == ("group_goal" in cells[group.id])


def _shared_words(one: str, other: str) -> set[str]:
    """The words of four letters or more that both texts use."""

    def words(said: str) -> set[str]:
        return {w.strip(".,!:;").lower() for w in said.split() if len(w.strip(".,!:;")) >= 4}

    return words(one) & words(other)
