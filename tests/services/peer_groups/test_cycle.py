"""A cycle with an end (issue 26.8, SPEC §11.3): the shipped study's groups run ten weeks from
their formation, with a mid-point message and a closing week; then the group gets what it did
together, is closed, and the bot leaves its chat while its members keep logging privately."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_date

from bot.db.groups import GroupStatus
from bot.db.together import GroupEvent
from bot.i18n import Language, plural
from bot.outbox.outcomes import Delivered
from bot.services import button_data
from bot.services.button_data import SendSuggestion
from experiments.records import GroupEventKind
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    Group,
    World,
    bound_group,
    formed_group,
    group_row,
    joined_group,
    members_of,
    outbox,
    peers,
    replies,
    rows,
)
from tests.texts import expected, said

DAY = timedelta(days=1)
CYCLE = 70 * DAY  # the shipped study's groups.cycle_length
PAST_THE_LIMIT = 15 * DAY  # longer than the shipped pool_max_wait


async def _posts(world: World, group: Group, kind: str) -> list[str]:
    return [post.text for post in await outbox(world, chat_id=group.chat_id, kind=kind)]


async def _at_day(world: World, group: Group, day: int) -> None:
    """The study clock `day` days after the group's formation, and one scheduler tick."""
    formed = (await group_row(world, group.id)).formed_at
    world.clock.set(formed + day * DAY)
    await calls.scan(world)


def _end_day(world: World, formed: datetime) -> str:
    local = (formed + CYCLE).astimezone(world.trial.protocol.zone).date()
    return format_date(local, "d MMMM", locale="nl_NL")


async def test_halfway_the_group_hears_how_far_it_is_and_how_long_it_goes_on(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await _at_day(world, group, 34)
    assert await _posts(world, group, "group_cycle") == []

    await _at_day(world, group, 35)
    await calls.scan(world)  # the next tick adds nothing

    formed = (await group_row(world, group.id)).formed_at
    five = plural(Language.NL, "cycle.weeks", 5)
    [midpoint] = await _posts(world, group, "group_cycle")
    assert midpoint == expected("cycle.midpoint", done=five, left=five, end=_end_day(world, formed))
    assert len(await rows(world, GroupEvent, GroupEvent.kind == GroupEventKind.CYCLE_MIDPOINT)) == 1


async def test_the_closing_week_is_announced_and_the_counsellor_can_thank_the_group_by_a_tap(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await _at_day(world, group, 63)

    [closing] = await _posts(world, group, "group_cycle")
    assert said(closing, "cycle.closing_week")
    [note] = await outbox(world, chat_id=group.leader.user_id, kind="group_alert")
    thanks = expected("presence.suggest.thanks")
    assert said(note.text, "counsellor.cycle.closing_week", group=group.id, post=thanks)
    [data] = [
        b["callback_data"] for row in note.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert isinstance(button_data.decode(data), SendSuggestion)

    await calls.press_suggestion(world, group.leader.user_id, data)

    assert await _posts(world, group, "counsellor_post") == [thanks]  # no display name: unsigned


async def test_at_the_end_the_group_hears_what_it_did_together_and_the_bot_leaves(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await calls.deposit(world, group.members[0], "10")
    await calls.deposit(world, group.members[1], "5")
    await _at_day(world, group, 40)
    await calls.deposit(world, group.members[1], "5")

    await _at_day(world, group, 70)

    deposits = plural(Language.NL, "count.deposits", 3)
    weeks = plural(Language.NL, "cycle.weeks", 10)
    summary = expected("cycle.summary_savings", weeks=weeks, deposits=deposits)
    [farewell] = await outbox(world, chat_id=group.chat_id, kind="group_farewell")
    assert farewell.text == expected("cycle.farewell", summary=summary)
    closed = await group_row(world, group.id)
    assert (closed.status, closed.closed_at) == (GroupStatus.CLOSED, world.clock.now())
    [note] = await outbox(world, chat_id=group.leader.user_id, kind="group_alert")
    assert note.text == expected("counsellor.cycle.closed", group=group.id, weeks=weeks)
    assert await outbox(world, method="leaveChat") == []  # not before the farewell is out

    await calls.calls_ended(world, [(farewell.id, Delivered(901))])

    [leave] = await outbox(world, method="leaveChat")
    assert leave.chat_id == group.chat_id
    [event] = await rows(world, GroupEvent, GroupEvent.kind == GroupEventKind.CYCLE_CLOSED)
    assert (event.group_id, event.via) == (group.id, "bound")


async def test_a_closed_group_gets_no_more_posts_or_reminders_and_its_members_keep_logging(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    for member in group.members[:2]:
        await calls.member_changed(world, group.chat_id, member, "joined")
    await _at_day(world, group, 69)
    before = {
        kind: len(await _posts(world, group, kind)) for kind in ("group_progress", "curriculum")
    }
    reminders = len(await outbox(world, kind="join_reminder"))

    await _at_day(world, group, 70)
    await _at_day(world, group, 84)
    saved = await calls.deposit(world, group.members[0], "10")

    after = {
        kind: len(await _posts(world, group, kind)) for kind in ("group_progress", "curriculum")
    }
    assert after == before
    assert await outbox(world, chat_id=group.leader.user_id, kind="counsellor_digest") == []
    assert len(await outbox(world, kind="join_reminder")) == reminders
    assert await outbox(world, kind="group_deposit_cheer") == []
    assert [r.kind for r in await replies(world, saved)] != []  # the receipt, as before
    pending = [p for p in await outbox(world, chat_id=group.chat_id) if p.status.value == "pending"]
    assert [p.kind for p in pending] == ["group_farewell"]


async def test_a_group_that_never_got_its_chat_ends_too_and_its_members_hear_it_privately(
    world: World,
) -> None:
    group = await formed_group(world, 3)

    await _at_day(world, group, 70)

    assert (await group_row(world, group.id)).status is GroupStatus.CLOSED
    told = await outbox(world, kind="group_ended")
    assert sorted(t.chat_id or 0 for t in told) == sorted(m.user_id for m in group.members)
    assert all(t.text == expected("cycle.ended_unbound") for t in told)
    [note] = await outbox(world, chat_id=group.leader.user_id, kind="group_alert")
    weeks = plural(Language.NL, "cycle.weeks", 10)
    assert note.text == expected("counsellor.cycle.closed_unbound", group=group.id, weeks=weeks)


async def test_after_downtime_only_the_step_due_now_is_taken(world: World) -> None:
    group = await joined_group(world, 3)
    await calls.scan(world)

    await _at_day(world, group, 64)  # down since the formation: past the mid-point too

    [closing] = await _posts(world, group, "group_cycle")
    assert said(closing, "cycle.closing_week")


async def test_nobody_is_placed_in_a_group_in_its_last_week(world: World) -> None:
    group = await bound_group(world, 3, band="26-35")
    formed = (await group_row(world, group.id)).formed_at
    world.clock.set(formed + 50 * DAY)
    [late] = await peers(world, 1, band="36-49")

    world.clock.set(formed + 50 * DAY + PAST_THE_LIMIT)  # day 65: the group's closing week
    await calls.scan(world)

    members = await members_of(world, group.id)
    assert late.participant_id not in {m.participant_id for m in members}
