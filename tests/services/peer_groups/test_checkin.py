"""The weekly check-in (component `checkin`): a plan prompt in the group at the protocol's
moment, members' taps recorded (the last one counts), counts edited into the group message and
never who did not, "Gelukt?" later in the week, and the week closed when it ends.

The shipped study asks for plans on Monday 10:00 and for results on Friday 16:00 (Amsterdam);
the tests' clock starts on Monday 5 January 2026, 09:00 in Amsterdam.
"""

from __future__ import annotations

from datetime import timedelta

from bot.db.group_weeks import GroupWeek
from bot.db.study import Event
from bot.i18n import Language, plural, text
from bot.outbox.outcomes import Delivered
from experiments.protocol import Component
from experiments.records import EventKind
from tests.services.peer_groups import calls
from tests.services.peer_groups.weeks import (
    PLAN_AT,
    REVIEW_AT,
    WEEK_END,
    asked,
    buttons,
    posts,
    saving,
    toasts,
)
from tests.services.peer_groups.world import (
    World,
    counsellor,
    joined_group,
    new_user,
    outbox,
    rows,
)
from tests.texts import expected

NL = Language.NL


async def plans(world: World) -> list[Event]:
    return await rows(world, Event, Event.kind == EventKind.CHECKIN_PLAN)


async def test_the_plan_prompt_comes_at_the_protocols_moment_with_the_tracks_plans(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    world.clock.set(PLAN_AT - timedelta(minutes=1))
    await calls.scan(world)
    assert await posts(world, group, "checkin_plan") == []

    world.clock.set(PLAN_AT)
    await calls.scan(world)
    await calls.scan(world)  # the next tick adds nothing

    [prompt] = await posts(world, group, "checkin_plan")
    assert prompt.text == "\n\n".join(
        [expected("checkin.plan_prompt"), expected("checkin.no_plans_yet")]
    )
    assert list(buttons(prompt)) == [
        saving(10),
        saving(25),
        expected("checkin.other"),
    ]
    [week] = await rows(world, GroupWeek)
    assert (week.group_id, week.members, week.plans) == (group.id, 3, 0)


async def test_jobseekers_choose_among_applications_and_interviews(world: World) -> None:
    group = await joined_group(world, 3, track="jobsearch")
    prompt = await asked(world, group)
    assert list(buttons(prompt)) == [
        plural(NL, "count.applications", 2),
        plural(NL, "count.interviews", 1),
        expected("checkin.other"),
    ]


async def test_a_members_tap_is_recorded_once_and_a_new_tap_changes_the_plan(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    choices = buttons(await asked(world, group))
    member = group.members[0]
    ten, twenty_five = (choices[saving(n)] for n in (10, 25))

    await calls.checkin_tap(world, group.chat_id, member.user_id, ten)
    await calls.checkin_tap(world, group.chat_id, member.user_id, ten)  # the same again
    await calls.checkin_tap(world, group.chat_id, member.user_id, twenty_five)

    recorded = await plans(world)
    assert [(e.participant_id, e.amount_cents, e.detail) for e in recorded] == [
        (member.participant_id, 1000, {"plan": "save"}),
        (member.participant_id, 2500, {"plan": "save"}),
    ]
    noted = expected("checkin.noted", plan=saving(10))
    changed = expected("checkin.noted", plan=saving(25))
    assert await toasts(world) == [noted, noted, changed]
    [week] = await rows(world, GroupWeek)
    assert week.plans == 1  # one member, one plan: the last one


async def test_the_count_is_edited_into_the_group_message_and_names_nobody(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    choices = buttons(await asked(world, group, message_id=900))
    other = choices[expected("checkin.other")]

    await calls.checkin_tap(world, group.chat_id, group.members[0].user_id, other)
    await calls.checkin_tap(world, group.chat_id, group.members[1].user_id, other)
    await calls.checkin_tap(world, group.chat_id, group.members[1].user_id, other)

    edits = await posts(world, group, "checkin_edit")
    assert [(e.method, e.params["message_id"], e.status) for e in edits] == [
        ("editMessageText", 900, "cancelled"),  # superseded before it was sent
        ("editMessageText", 900, "pending"),
    ]
    two_of_three = text(NL, "checkin.plans", count=2, members=3)
    assert edits[-1].text == f"{expected('checkin.plan_prompt')}\n\n{two_of_three}"
    assert buttons(edits[-1]) == choices  # still open for plans
    for sent in [*await posts(world, group, "checkin_plan"), *edits]:
        assert not any(member.first_name in sent.text for member in group.members)


async def test_a_tap_from_someone_outside_the_group_is_refused_kindly(world: World) -> None:
    group = await joined_group(world, 3)
    leader_of_another = await counsellor(world)
    choices = buttons(await asked(world, group))
    ten = choices[saving(10)]

    await calls.checkin_tap(world, group.chat_id, group.leader.user_id, ten)
    await calls.checkin_tap(world, group.chat_id, leader_of_another.user_id, ten)
    await calls.checkin_tap(world, group.chat_id, new_user(), ten)

    assert await plans(world) == []
    assert await posts(world, group, "checkin_edit") == []
    assert await toasts(world) == [expected("checkin.not_member")] * 3


async def test_an_altered_button_records_nothing(world: World) -> None:
    group = await joined_group(world, 3)
    await asked(world, group)
    [week] = await rows(world, GroupWeek)
    member = group.members[0].user_id

    await calls.checkin_tap(world, group.chat_id, member, f"cip:{week.id}:save:99900")
    await calls.checkin_tap(world, group.chat_id, member, f"cip:{week.id + 1}:other:0")
    await calls.checkin_tap(world, group.chat_id, member, "cip:nonsense")

    assert await plans(world) == []
    assert await toasts(world) == [expected("checkin.unknown")] * 3


async def test_the_review_asks_whether_it_worked_out_and_counts_only_who_answered(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    choices = buttons(await asked(world, group, message_id=900))
    planner, late, quiet = group.members
    other = choices[expected("checkin.other")]
    await calls.checkin_tap(world, group.chat_id, planner.user_id, other)
    await calls.checkin_tap(world, group.chat_id, late.user_id, other)

    world.clock.set(REVIEW_AT)
    await calls.scan(world)
    [review] = await posts(world, group, "checkin_review")
    await calls.calls_ended(world, [(review.id, Delivered(901))])
    answers = buttons(review)
    assert list(answers) == [expected(f"checkin.{r}") for r in ("yes", "partly", "no")]
    await calls.checkin_tap(world, group.chat_id, planner.user_id, answers[expected("checkin.no")])
    await calls.checkin_tap(world, group.chat_id, planner.user_id, answers[expected("checkin.yes")])
    await calls.checkin_tap(world, group.chat_id, quiet.user_id, answers[expected("checkin.yes")])
    await calls.checkin_tap(world, group.chat_id, quiet.user_id, other)

    results = await rows(world, Event, Event.kind == EventKind.CHECKIN_REVIEW)
    assert [(e.participant_id, e.detail["result"]) for e in results] == [
        (planner.participant_id, "no"),
        (planner.participant_id, "yes"),
    ]
    assert (await toasts(world))[-3:] == [
        expected("checkin.reviewed_yes"),
        expected("checkin.no_plan"),  # nobody is asked about a plan they did not make
        expected("checkin.plans_over"),
    ]
    edits = await posts(world, group, "checkin_edit")
    closed_plans = [e for e in edits if e.params["message_id"] == 900][-1]
    assert closed_plans.text == "\n".join(
        [expected("checkin.plans_closed"), text(NL, "checkin.plans", count=2, members=3)]
    )
    assert buttons(closed_plans) == {}  # plans are chosen until the review
    review_edit = edits[-1]
    assert review_edit.text == "\n".join(
        [
            expected("checkin.review_prompt"),
            "",
            text(NL, "checkin.answers", count=1, planners=2),
            expected("checkin.answers_done", yes=1, partly=0),
        ]
    )


async def test_the_week_closes_its_messages_and_a_late_tap_is_told_so(world: World) -> None:
    group = await joined_group(world, 3)
    choices = buttons(await asked(world, group, message_id=900))
    other = choices[expected("checkin.other")]
    await calls.checkin_tap(world, group.chat_id, group.members[0].user_id, other)
    world.clock.set(REVIEW_AT)
    await calls.scan(world)
    [review] = await posts(world, group, "checkin_review")
    await calls.calls_ended(world, [(review.id, Delivered(901))])

    world.clock.set(WEEK_END)
    await calls.scan(world)
    await calls.checkin_tap(world, group.chat_id, group.members[1].user_id, other)

    [week] = await rows(world, GroupWeek)
    assert week.closed_at == WEEK_END
    final = (await posts(world, group, "checkin_edit"))[-1]
    assert final.params["message_id"] == 901
    assert buttons(final) == {}
    assert (await toasts(world))[-1] == expected("checkin.week_over")
    assert len(await plans(world)) == 1


async def test_a_group_without_the_checkin_gets_none_of_it(world: World) -> None:
    protocol = world.trial.protocol
    peer = protocol.arm("peer")
    without = peer.model_copy(
        update={
            "components": tuple(
                c for c in peer.components if c not in (Component.CHECKIN, Component.GROUP_GOAL)
            )
        }
    )
    arms = tuple(without if arm.name == "peer" else arm for arm in protocol.arms)
    world = world.with_protocol(protocol.model_copy(update={"arms": arms}))
    group = await joined_group(world, 3)

    world.clock.set(PLAN_AT)
    await calls.scan(world)
    world.clock.set(REVIEW_AT)
    await calls.scan(world)

    assert await rows(world, GroupWeek) == []
    kinds = {sent.kind for sent in await outbox(world, chat_id=group.chat_id)}
    assert not kinds & {"checkin_plan", "checkin_review", "group_goal"}
