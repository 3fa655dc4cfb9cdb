"""Binding: the counsellor links a Telegram group with /bind; the bot checks who asks and its
own rights, then asks Telegram for a personal join link per member and sends each privately."""

from __future__ import annotations

from datetime import timedelta

from bot.db.groups import GroupStatus
from bot.i18n import Language, text
from bot.outbox.outcomes import Delivered, Rejected
from bot.services.peer_groups.binding import REQUIRED_RIGHTS, BotStanding
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    World,
    bound_group,
    context_of,
    formed_group,
    group_row,
    members_of,
    new_chat,
    new_user,
    outbox,
    replies,
)
from tests.texts import expected


def _rights(*names: str) -> str:
    return "\n".join(f"• {text(Language.NL, f'groups.right.{name}')}" for name in names)


async def test_the_counsellors_bind_starts_the_group_and_asks_a_join_link_per_member(
    world: World,
) -> None:
    group = await formed_group(world, 4)
    chat = new_chat()
    now = world.clock.now()

    await calls.bind(world, group.leader.user_id, chat, f" {group.code.upper()} ")

    row = await group_row(world, group.id)
    assert (row.status, row.telegram_chat_id, row.bound_at) == (GroupStatus.ACTIVE, chat, now)
    assert row.next_curriculum_at == now + timedelta(days=1)  # a day to join before a topic
    # the first count comes at the end of the group's week it was bound in
    assert row.next_progress_at == world.trial.protocol.group_week(now).end
    members = await members_of(world, group.id)
    links = await outbox(world, chat_id=chat, method="createChatInviteLink")
    assert [(call.params["name"], call.params["creates_join_request"]) for call in links] == [
        (member.tag, True) for member in members
    ]
    assert [context_of(call)["member_id"] for call in links] == [m.id for m in members]
    [bound] = await outbox(world, chat_id=chat, kind="group_bound")
    assert bound.text == expected("groups.bound", group=group.id, sent=4)


async def test_each_member_gets_their_own_link_privately_and_a_second_bind_makes_none(
    world: World,
) -> None:
    group = await bound_group(world, 3)

    await calls.bind(world, group.leader.user_id, group.chat_id, group.code)

    for peer, member in zip(group.members, await members_of(world, group.id), strict=True):
        assert member.invite_link is not None
        assert member.link_sent_at == world.clock.now()
        [personal] = await outbox(world, chat_id=peer.user_id)
        assert personal.kind == "group_link"
        assert personal.participant_id == peer.participant_id
        assert personal.text == expected("groups.your_link", link=member.invite_link)
    links = await outbox(world, chat_id=group.chat_id, method="createChatInviteLink")
    assert len(links) == 3  # the first /bind's only
    confirmed = await outbox(world, chat_id=group.chat_id, kind="group_bound")
    assert [c.text for c in confirmed] == [expected("groups.bound", group=group.id, sent=3)] * 2


async def test_links_telegram_would_not_make_are_counted_in_the_group_once(
    world: World,
) -> None:
    group = await formed_group(world, 3)
    chat = new_chat()
    await calls.bind(world, group.leader.user_id, chat, group.code)
    first, *others = await outbox(world, chat_id=chat, method="createChatInviteLink")

    made = Delivered(None, {"invite_link": "https://t.me/+a"})
    await calls.calls_ended(world, [(first.id, made)])
    await calls.calls_ended(world, [(call.id, Rejected("not enough rights")) for call in others])

    [failed] = await outbox(world, chat_id=chat, kind="group_reply")
    assert failed.text == expected("groups.links_failed", made=1, needed=3)
    [linked] = [m for m in await members_of(world, group.id) if m.invite_link is not None]
    assert linked.id == context_of(first)["member_id"]


async def test_each_refused_bind_says_why_and_leaves_the_group_unbound(world: World) -> None:
    group = await formed_group(world, 3)
    leader, chat = group.leader.user_id, new_chat()
    full, basic = calls.FULL_RIGHTS, False
    no_invites = BotStanding(True, frozenset(REQUIRED_RIGHTS) - {"can_invite_users"})
    refusals = [
        (leader, "nosuchcode", True, full, expected("groups.bind_unknown_code")),
        (
            new_user(),
            group.code,
            True,
            full,
            expected("groups.bind_not_counsellor", group=group.id),
        ),
        (leader, group.code, basic, full, expected("groups.bind_basic_group")),
        (
            leader,
            group.code,
            True,
            BotStanding(False, frozenset()),
            expected("groups.bind_not_admin", rights=_rights(*REQUIRED_RIGHTS)),
        ),
        (
            leader,
            group.code,
            True,
            no_invites,
            expected("groups.bind_missing_rights", rights=_rights("can_invite_users")),
        ),
        (leader, None, True, full, expected("groups.bind_usage")),
    ]
    for sender, code, supergroup, standing, reason in refusals:
        update_id = await calls.bind(
            world, sender, chat, code, supergroup=supergroup, standing=standing
        )
        [reply] = await replies(world, update_id)
        assert (reply.chat_id, reply.text) == (chat, reason)

    row = await group_row(world, group.id)
    assert (row.status, row.telegram_chat_id) == (GroupStatus.AWAITING_BIND, None)
    assert await outbox(world, method="createChatInviteLink") == []


async def test_a_chat_bound_to_one_group_cannot_be_bound_to_another(world: World) -> None:
    first = await bound_group(world, 3, band="21-25")
    second = await formed_group(world, 3, band="36-49")

    update_id = await calls.bind(world, second.leader.user_id, first.chat_id, second.code)

    [reply] = await replies(world, update_id)
    assert reply.text == expected("groups.bind_chat_taken", group=first.id)
    assert (await group_row(world, second.id)).status is GroupStatus.AWAITING_BIND
