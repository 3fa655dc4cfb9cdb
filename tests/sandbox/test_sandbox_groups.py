"""Groups: joining the bot, invite links, join requests, moderation, member info."""

from __future__ import annotations

import pytest
import telegram
from telegram import ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.sandbox import SandboxGroup, SandboxUser, TelegramSandbox

ALL_UPDATES = list(telegram.Update.ALL_TYPES)


@pytest.fixture
def alice(sandbox: TelegramSandbox) -> SandboxUser:
    return sandbox.add_user("Alice", username="alice")


@pytest.fixture
def group(sandbox: TelegramSandbox, alice: SandboxUser) -> SandboxGroup:
    return sandbox.add_group("Spaarders 21-25", creator=alice)


async def test_bot_joins_as_admin(
    bot: telegram.Bot, sandbox: TelegramSandbox, alice: SandboxUser, group: SandboxGroup
) -> None:
    assert group.id < -1_000_000_000_000
    with pytest.raises(BadRequest, match="Chat not found"):  # the bot is not in it yet
        await bot.send_message(group.id, "hallo")
    group.add_bot(admin=True, can_pin_messages=False)
    updates = await bot.get_updates()
    mine = updates[0].my_chat_member
    assert mine is not None
    assert mine.old_chat_member.status == "left"
    assert isinstance(mine.new_chat_member, telegram.ChatMemberAdministrator)
    assert mine.new_chat_member.can_invite_users
    assert not mine.new_chat_member.can_pin_messages
    assert mine.from_user.id == alice.id
    joined = updates[1].message
    assert joined is not None
    assert joined.new_chat_members[0].id == 123456
    me = await bot.get_chat_member(group.id, 123456)
    assert isinstance(me, telegram.ChatMemberAdministrator)
    owner = await bot.get_chat_member(group.id, alice.id)
    assert isinstance(owner, telegram.ChatMemberOwner)
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {alice.id, 123456}
    [creator] = [a for a in admins if isinstance(a, telegram.ChatMemberOwner)]
    assert creator.user.id == alice.id  # who made the group owns it, whoever else is admin
    chat = await bot.get_chat(group.id)
    assert chat.title == "Spaarders 21-25"
    assert chat.type == "supergroup"


async def test_group_messages_and_commands(
    bot: telegram.Bot, sandbox: TelegramSandbox, alice: SandboxUser, group: SandboxGroup
) -> None:
    group.add_bot()
    bob = sandbox.add_user("Bob")
    with pytest.raises(PermissionError, match="not a member"):
        bob.send_in_group(group, "hoi")
    group.add_member(bob)
    first = alice.send_in_group(group, "/regels@lotgenoot_sandbox_bot")
    bob.send_in_group(group, "Wat zijn de regels?", reply_to=first)
    sent = await bot.send_message(group.id, "De regels: wees aardig.")
    assert group.messages[-1]["message_id"] == sent.message_id
    assert [m["text"] for m in group.messages] == ["De regels: wees aardig."]
    updates = await bot.get_updates(allowed_updates=ALL_UPDATES)
    texts = [u.message.text for u in updates if u.message and u.message.text]
    assert texts == ["/regels@lotgenoot_sandbox_bot", "Wat zijn de regels?"]
    command = next(u.message for u in updates if u.message and u.message.text)
    assert command.entities[0].type == "bot_command"
    reply = next(u.message for u in updates if u.message and u.message.reply_to_message)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == first["message_id"]
    assert [u.chat_member.new_chat_member.status for u in updates if u.chat_member] == ["member"]


async def test_invite_link_join_request_approve(
    bot: telegram.Bot, sandbox: TelegramSandbox, group: SandboxGroup
) -> None:
    group.add_bot()
    link = await bot.create_chat_invite_link(group.id, name="ronde 1", creates_join_request=True)
    assert link.invite_link.startswith("https://t.me/+")
    assert link.creator.id == 123456
    assert link.creates_join_request
    bob = sandbox.add_user("Bob")
    request = bob.request_join(link.invite_link)
    assert request["user_chat_id"] == bob.id
    # A pending join request lets the bot write to someone who never started it.
    await bot.send_message(bob.id, "Welkom! Even een vraag voordat je erin mag.")
    await bot.get_updates(allowed_updates=ALL_UPDATES)  # from now on chat_member is wanted
    assert await bot.approve_chat_join_request(group.id, bob.id)
    assert group.is_member(bob)
    assert bob in group.members
    updates = await bot.get_updates()
    join_request = next(u.chat_join_request for u in updates if u.chat_join_request)
    assert join_request.invite_link is not None
    assert join_request.invite_link.name == "ronde 1"
    member = next(u.chat_member for u in updates if u.chat_member)
    assert member.new_chat_member.status == "member"
    assert member.via_join_request
    assert member.invite_link is not None
    assert member.invite_link.invite_link == link.invite_link
    joined = [u.message.new_chat_members[0].id for u in updates if u.message]
    assert joined == [123456, bob.id]  # the bot's own join, then Bob's
    with pytest.raises(BadRequest, match="Hide_requester_missing"):
        await bot.approve_chat_join_request(group.id, bob.id)


async def test_join_request_decline(
    bot: telegram.Bot, sandbox: TelegramSandbox, group: SandboxGroup
) -> None:
    group.add_bot()
    link = await bot.create_chat_invite_link(group.id, creates_join_request=True)
    carol = sandbox.add_user("Carol")
    carol.request_join(link)
    assert group.pending_join_requests == [carol]
    assert await bot.decline_chat_join_request(group.id, carol.id)
    assert not group.is_member(carol)
    assert group.pending_join_requests == []
    with pytest.raises(BadRequest, match="Hide_requester_missing"):
        await bot.decline_chat_join_request(group.id, carol.id)
    await bot.revoke_chat_invite_link(group.id, link.invite_link)
    with pytest.raises(ValueError, match="revoked"):
        carol.request_join(link.invite_link)


async def test_invite_link_needs_rights(
    bot: telegram.Bot, sandbox: TelegramSandbox, group: SandboxGroup
) -> None:
    group.add_bot(admin=False)
    with pytest.raises(BadRequest, match="Not enough rights to manage chat invite link"):
        await bot.create_chat_invite_link(group.id)
    bob = sandbox.add_user("Bob")
    group.add_member(bob)
    with pytest.raises(BadRequest, match="Not enough rights to restrict/unrestrict chat member"):
        await bot.restrict_chat_member(group.id, bob.id, ChatPermissions.no_permissions())
    sent = await bot.send_message(group.id, "pin mij")
    with pytest.raises(BadRequest, match="Not enough rights to manage pinned messages"):
        await bot.pin_chat_message(group.id, sent.message_id)


async def test_restrict_mutes_and_lifts(
    bot: telegram.Bot, sandbox: TelegramSandbox, alice: SandboxUser, group: SandboxGroup
) -> None:
    group.add_bot()
    bob = sandbox.add_user("Bob")
    group.add_member(bob)
    assert await bot.restrict_chat_member(group.id, bob.id, ChatPermissions.no_permissions())
    assert group.is_muted(bob)
    assert group.is_member(bob)
    with pytest.raises(PermissionError, match="muted"):
        bob.send_in_group(group, "mag ik wat zeggen?")
    member = await bot.get_chat_member(group.id, bob.id)
    assert isinstance(member, telegram.ChatMemberRestricted)
    assert not member.can_send_messages
    assert member.is_member
    await bot.restrict_chat_member(group.id, bob.id, ChatPermissions.all_permissions())
    assert not group.is_muted(bob)
    assert group.status(bob) == "member"
    with pytest.raises(BadRequest, match="User is an administrator of the chat"):
        await bot.restrict_chat_member(group.id, alice.id, ChatPermissions.no_permissions())


async def test_timed_restriction_expires_with_the_clock() -> None:
    now = [1_800_000_000.0]
    async with TelegramSandbox(clock=lambda: now[0]) as sandbox:
        alice, bob = sandbox.add_user("Alice"), sandbox.add_user("Bob")
        group = sandbox.add_group("G", creator=alice)
        group.add_bot()
        group.add_member(bob)
        bot = telegram.Bot(sandbox.bot_token, base_url=sandbox.api_url)
        async with bot:
            await bot.restrict_chat_member(
                group.id, bob.id, ChatPermissions.no_permissions(), until_date=int(now[0]) + 3600
            )
        assert group.is_muted(bob)
        now[0] += 3601
        assert not group.is_muted(bob)


async def test_ban_and_unban(
    bot: telegram.Bot, sandbox: TelegramSandbox, group: SandboxGroup
) -> None:
    group.add_bot()
    bob = sandbox.add_user("Bob")
    group.add_member(bob)
    await bot.get_updates(allowed_updates=ALL_UPDATES)
    assert await bot.ban_chat_member(group.id, bob.id)
    assert group.is_banned(bob)
    assert not group.is_member(bob)
    member = await bot.get_chat_member(group.id, bob.id)
    assert isinstance(member, telegram.ChatMemberBanned)
    updates = await bot.get_updates()
    banned = updates[-1].chat_member
    assert banned is not None
    assert banned.new_chat_member.status == "kicked"
    assert await bot.unban_chat_member(group.id, bob.id, only_if_banned=True)
    assert group.status(bob) == "left"
    with pytest.raises(BadRequest, match="User not found"):
        await bot.get_chat_member(group.id, 987654321)


async def test_leave_and_remove_bot(
    bot: telegram.Bot, sandbox: TelegramSandbox, alice: SandboxUser, group: SandboxGroup
) -> None:
    group.add_bot()
    bob = sandbox.add_user("Bob")
    group.add_member(bob)
    bob.leave(group)
    assert not group.is_member(bob)
    updates = await bot.get_updates(allowed_updates=ALL_UPDATES)
    left = [
        u.message.left_chat_member.id for u in updates if u.message and u.message.left_chat_member
    ]
    assert left == [bob.id]
    group.remove_bot()
    with pytest.raises(Forbidden, match="bot was kicked"):
        await bot.send_message(group.id, "hallo?")


async def test_pin_and_delete_in_group(
    bot: telegram.Bot, sandbox: TelegramSandbox, alice: SandboxUser, group: SandboxGroup
) -> None:
    group.add_bot(can_delete_messages=False)
    sent = await bot.send_message(group.id, "Welkom allemaal")
    assert await bot.pin_chat_message(group.id, sent.message_id)
    assert group.pinned_message_ids == [sent.message_id]
    chat = await bot.get_chat(group.id)
    assert chat.pinned_message is not None
    assert chat.pinned_message.message_id == sent.message_id
    assert await bot.unpin_chat_message(group.id)
    assert group.pinned_message_ids == []
    spam = alice.send_in_group(group, "koop nu!")
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(group.id, spam["message_id"])
    group.add_bot(can_delete_messages=True)  # promote: rights change, no second join message
    assert await bot.delete_message(group.id, spam["message_id"])
    assert await bot.delete_message(group.id, sent.message_id)
    assert group.deleted_message_ids == [spam["message_id"], sent.message_id]
    joins = [m for m in group.history if "new_chat_members" in m]
    assert len(joins) == 1


async def test_bot_leaves(bot: telegram.Bot, sandbox: TelegramSandbox, group: SandboxGroup) -> None:
    group.add_bot()
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(group.id, "nog iemand?")
    updates = await bot.get_updates()
    left = updates[-1].my_chat_member
    assert left is not None
    assert left.new_chat_member.status == "left"


async def test_every_update_kind_parses_with_ptb(
    bot: telegram.Bot, sandbox: TelegramSandbox, alice: SandboxUser, group: SandboxGroup
) -> None:
    group.add_bot()
    alice.send("/start")
    sent = await bot.send_message(
        alice.id,
        "Kies",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
    )
    alice.press(sent, "a")  # a python-telegram-bot Message works as well as a dict
    bob = sandbox.add_user("Bob")
    group.add_member(bob)
    link = await bot.create_chat_invite_link(group.id, creates_join_request=True)
    sandbox.add_user("Carol").request_join(link)
    await bot.restrict_chat_member(group.id, bob.id, ChatPermissions.no_permissions())
    dan = sandbox.add_user("Dan")
    group.add_member(dan)
    dan.leave(group)
    alice.block()
    kinds = {next(k for k in u if k != "update_id") for u in sandbox.updates}
    assert kinds == {
        "message",
        "callback_query",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
    }
    for data in sandbox.updates:
        update = telegram.Update.de_json(data, bot=None)
        assert update.effective_chat is not None
        assert not update.api_kwargs
    restricted = [
        u["chat_member"]["new_chat_member"] for u in sandbox.updates if "chat_member" in u
    ]
    assert any(m["status"] == "restricted" for m in restricted)
    updates = await bot.get_updates(allowed_updates=ALL_UPDATES)
    assert len(updates) == len(sandbox.updates)
