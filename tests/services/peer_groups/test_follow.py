"""The group follows the trial: who stops leaves the group (and its chat), who resumes gets a
fresh link, and staff hear when the bot is taken out of a group or loses its rights."""

from __future__ import annotations

from datetime import timedelta

from bot.db.delivery import OutboxStatus
from bot.db.groups import MemberStatus
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    ADMIN,
    World,
    bound_group,
    context_of,
    joined_group,
    links_made,
    members_of,
    new_chat,
    new_user,
    outbox,
)
from tests.texts import expected


async def test_who_stops_leaves_the_group_chat_taken_out_but_not_banned(world: World) -> None:
    group = await joined_group(world, 3)
    leaver = group.members[0]

    await calls.stop(world, leaver)

    [member, *_] = await members_of(world, group.id)
    assert (member.status, member.left_at) == (MemberStatus.LEFT, world.clock.now())
    taken_out = await outbox(world, chat_id=group.chat_id, kind="moderation")
    assert [(c.method, c.params["user_id"]) for c in taken_out] == [
        ("banChatMember", leaver.user_id),
        ("unbanChatMember", leaver.user_id),
    ]


async def test_who_stops_before_joining_loses_their_place_and_their_queued_reminder(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    world.clock.advance(timedelta(hours=24))
    await calls.scan(world)
    leaver = group.members[0]

    await calls.stop(world, leaver)

    [member, *_] = await members_of(world, group.id)
    assert member.status is MemberStatus.LEFT
    [reminder] = await outbox(world, chat_id=leaver.user_id, kind="join_reminder")
    assert reminder.status is OutboxStatus.CANCELLED
    assert await outbox(world, chat_id=group.chat_id, kind="moderation") == []  # not in the chat


async def test_who_resumes_after_stopping_gets_a_fresh_link_of_their_own(world: World) -> None:
    group = await joined_group(world, 3)
    comeback = group.members[0]
    await calls.stop(world, comeback)

    update_id = await calls.resume(world, comeback)
    [fresh] = [
        call
        for call in await outbox(world, chat_id=group.chat_id, method="createChatInviteLink")
        if call.status is OutboxStatus.PENDING
    ]
    await links_made(world)

    [member, *_] = await members_of(world, group.id)
    assert member.status is MemberStatus.ASSIGNED
    assert context_of(fresh) == {"member_id": member.id, "update_id": update_id, "fresh": True}
    [*_, personal] = await outbox(world, chat_id=comeback.user_id, kind="group_link")
    assert member.invite_link is not None
    assert personal.text == expected("join.fresh_link", link=member.invite_link)


async def test_staff_hear_when_the_bot_is_taken_out_or_loses_its_rights(world: World) -> None:
    group = await bound_group(world, 3)
    someone = new_user()

    await calls.bot_standing_changed(
        world, group.chat_id, someone, present=True, missing_rights=False
    )
    await calls.bot_standing_changed(
        world, new_chat(), someone, present=False, missing_rights=True
    )  # a chat that is no group of ours
    await calls.bot_standing_changed(
        world, group.chat_id, someone, present=True, missing_rights=True
    )
    await calls.bot_standing_changed(
        world, group.chat_id, someone, present=False, missing_rights=True
    )

    for staff in (group.leader.user_id, ADMIN):
        alerts = await outbox(world, chat_id=staff, kind="admin_alert")
        assert [a.text for a in alerts] == [
            expected("alerts.bot_demoted", group=group.id),
            expected("alerts.bot_removed", group=group.id, code=group.code),
        ]
