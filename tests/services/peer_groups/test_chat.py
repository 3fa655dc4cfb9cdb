"""What members do in their group chat: each message is counted for its sender, never kept;
staff are not counted but marked active; /rules posts the rules."""

from __future__ import annotations

from datetime import timedelta

from bot.db.study import StaffMember
from experiments.records import EventKind
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    World,
    bound_group,
    events_of,
    joined_group,
    members_of,
    new_user,
    outbox,
    rows,
)
from tests.texts import expected


async def test_a_members_message_is_counted_for_them_and_its_text_is_not_kept(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    before = len(await outbox(world))
    world.clock.advance(timedelta(hours=2))
    writer = group.members[1]

    await calls.group_message(world, group.chat_id, writer.user_id, message_id=11)
    await calls.group_message(world, group.chat_id, new_user(), message_id=12)
    await calls.group_message(world, group.chat_id, group.leader.user_id, message_id=13)

    [counted] = await events_of(world, EventKind.GROUP_MESSAGE)
    assert (counted.participant_id, counted.detail) == (writer.participant_id, {"group": group.id})
    active = {m.participant_id: m.last_active_at for m in await members_of(world, group.id)}
    assert active[writer.participant_id] == world.clock.now()
    assert active[group.members[0].participant_id] == world.clock.now() - timedelta(hours=2)
    [leader] = await rows(world, StaffMember, StaffMember.id == group.leader.staff_id)
    assert leader.last_active_at == world.clock.now()
    assert len(await outbox(world)) == before  # nothing said about ordinary messages


async def test_rules_in_the_group_posts_the_rules_there(world: World) -> None:
    group = await bound_group(world, 3)

    await calls.rules(world, group.chat_id, group.members[0].user_id)

    [rules] = await outbox(world, chat_id=group.chat_id, kind="group_reply")
    assert rules.text == expected("groups.rules")
