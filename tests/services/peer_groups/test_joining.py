"""Joining: members get in with their link and anyone else is declined; joins and leaves are
recorded, a burst of joins gets one welcome, and who has not joined is reminded twice."""

from __future__ import annotations

from datetime import timedelta

from bot.db.delivery import OutboxStatus
from bot.db.groups import MemberStatus, ModerationAction
from bot.i18n import Language, plural
from bot.services.peer_groups.membership import WELCOME_BURST
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


async def test_a_member_is_let_in_and_a_stranger_is_declined_and_reported(world: World) -> None:
    group = await bound_group(world, 3)
    stranger = new_user()

    await calls.request_join(world, group.chat_id, group.members[0].user_id)
    await calls.request_join(world, group.chat_id, stranger)

    answers = await outbox(world, chat_id=group.chat_id, kind="join_request")
    assert [(a.method, a.params["user_id"]) for a in answers] == [
        ("approveChatJoinRequest", group.members[0].user_id),
        ("declineChatJoinRequest", stranger),
    ]
    [decline] = await rows(world, ModerationAction)
    assert (decline.group_id, decline.action, decline.reason) == (group.id, "decline", "stranger")
    [notice] = await outbox(world, chat_id=group.leader.user_id, kind="group_declined")
    assert notice.text == expected("groups.declined_stranger", group=group.id)


async def test_a_participant_of_another_group_is_declined_and_staff_hear_once_an_hour(
    world: World,
) -> None:
    mine = await bound_group(world, 3, band="21-25")
    theirs = await bound_group(world, 3, band="36-49")

    await calls.request_join(world, mine.chat_id, theirs.members[0].user_id)
    await calls.request_join(world, mine.chat_id, new_user())  # in the same hour
    world.clock.advance(timedelta(hours=1))
    await calls.request_join(world, mine.chat_id, new_user())

    answers = await outbox(world, chat_id=mine.chat_id, kind="join_request")
    assert {a.method for a in answers} == {"declineChatJoinRequest"}
    reasons = [a.reason for a in await rows(world, ModerationAction)]
    assert reasons == ["other_group", "stranger", "stranger"]
    notices = await outbox(world, chat_id=mine.leader.user_id, kind="group_declined")
    assert [n.text for n in notices] == [
        expected("groups.declined_other_group", group=mine.id),
        expected("groups.declined_stranger", group=mine.id),
    ]


async def test_joins_are_recorded_and_a_burst_of_them_gets_one_welcome_naming_each(
    world: World,
) -> None:
    group = await joined_group(world, 3)

    members = await members_of(world, group.id)
    assert {(m.status, m.joined_at) for m in members} == {(MemberStatus.JOINED, world.clock.now())}
    joins = await events_of(world, EventKind.GROUP_JOIN)
    assert sorted(e.participant_id for e in joins) == sorted(
        p.participant_id for p in group.members
    )
    assert {e.detail["group"] for e in joins} == {group.id}
    [welcome] = await outbox(world, chat_id=group.chat_id, kind="group_welcome")
    names = "Lid 0, Lid 1 en Lid 2"
    assert welcome.text == plural(Language.NL, "join.welcome", 3, names=names)
    assert welcome.not_before == world.clock.now() + WELCOME_BURST
    mentioned = [entity["user"]["id"] for entity in welcome.params["entities"]]
    assert mentioned == [p.user_id for p in group.members]


async def test_who_leaves_is_recorded_and_who_was_removed_cannot_come_back(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    leaver, removed, _stays = group.members

    await calls.member_changed(world, group.chat_id, leaver, "left")
    await calls.member_changed(world, group.chat_id, removed, "removed")
    await calls.request_join(world, group.chat_id, removed.user_id)

    statuses = {m.participant_id: m.status for m in await members_of(world, group.id)}
    assert statuses[leaver.participant_id] is MemberStatus.LEFT
    assert statuses[removed.participant_id] is MemberStatus.REMOVED
    leaves = await events_of(world, EventKind.GROUP_LEAVE)
    assert [(e.participant_id, e.detail["how"]) for e in leaves] == [
        (leaver.participant_id, "left"),
        (removed.participant_id, "removed"),
    ]
    [*_, answer] = await outbox(world, chat_id=group.chat_id, kind="join_request")
    assert (answer.method, answer.params["user_id"]) == ("declineChatJoinRequest", removed.user_id)
    [notice] = await outbox(world, chat_id=group.leader.user_id, kind="group_declined")
    assert notice.text == expected("groups.declined_removed", group=group.id)


async def test_who_has_not_joined_is_reminded_with_their_link_twice_and_no_more(
    world: World,
) -> None:
    group = await bound_group(world, 3)
    came, *away = group.members
    await calls.request_join(world, group.chat_id, came.user_id)
    await calls.member_changed(world, group.chat_id, came, "joined")
    links = {m.participant_id: m.invite_link for m in await members_of(world, group.id)}

    for hours in (23, 1, 48, 100):  # 23 h, 24 h, 72 h, a week after their link
        world.clock.advance(timedelta(hours=hours))
        await calls.scan(world)

    assert await outbox(world, chat_id=came.user_id, kind="join_reminder") == []
    for person in away:
        reminders = await outbox(world, chat_id=person.user_id, kind="join_reminder")
        link = links[person.participant_id]
        assert [r.text for r in reminders] == [expected("join.reminder", link=link)] * 2
        assert {r.status for r in reminders} == {OutboxStatus.PENDING}
