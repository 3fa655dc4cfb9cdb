"""Group administration: invite links, join requests, restricting, banning, chat info."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import (
    JOIN_REQUEST_MISSING,
    NO_RIGHTS_INVITE_LINK,
    NO_RIGHTS_RESTRICT,
    bad_request,
)
from bot.sandbox.model import (
    ChatRecord,
    InviteLinkRecord,
    MemberRecord,
    UserRecord,
    invite_link_obj,
)
from bot.sandbox.registry import Params, method
from bot.sandbox.world import World

JSON = dict[str, Any]

# Restrictions shorter than 30 s or longer than 366 days are "forever" in Telegram.
MIN_UNTIL_S = 30
MAX_UNTIL_S = 366 * 24 * 3600
# Permissions that decide whether someone can still talk; all True means "not restricted".
SEND_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
)
_MEDIA = SEND_PERMISSIONS[:7]


def _group(world: World, params: Params) -> ChatRecord:
    chat = world.resolve_chat(params.get("chat_id"))
    if chat.type == "private":
        raise bad_request("method is available for supergroup and channel chats only")
    world.check_can_send(chat)  # same "kicked"/"not a member" answers as sending
    return chat


def _link_obj(world: World, chat: ChatRecord, link: InviteLinkRecord) -> JSON:
    pending = sum(1 for r in chat.join_requests.values() if r.invite_link == link.invite_link)
    return invite_link_obj(link, world.users[link.creator_id].user_obj(), pending)


def link_obj(world: World, chat: ChatRecord, invite_link: str | None) -> JSON | None:
    link = chat.invite_links.get(invite_link or "")
    return _link_obj(world, chat, link) if link is not None else None


def _until(world: World, params: Params) -> int:
    until = params.opt_int("until_date") or 0
    delta = until - world.now()
    return until if MIN_UNTIL_S <= delta <= MAX_UNTIL_S else 0


def _target(world: World, chat: ChatRecord, params: Params) -> tuple[UserRecord, MemberRecord]:
    user = world.resolve_user(params.get("user_id"))
    if user.id == world.bot.id:
        raise bad_request("can't restrict self")
    member = world.current_member(chat, user.id)
    if member.status in ("creator", "administrator"):
        raise bad_request("user is an administrator of the chat")
    return user, member


@method("createChatInviteLink")
async def create_chat_invite_link(world: World, params: Params) -> JSON:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_invite_users"):
        raise bad_request(NO_RIGHTS_INVITE_LINK)
    name = params.opt_str("name")
    if name is not None and len(name) > 32:
        raise bad_request("INVITE_LINK_NAME_INVALID")
    member_limit = params.opt_int("member_limit")
    creates_join_request = params.flag("creates_join_request")
    if member_limit is not None and not 1 <= member_limit <= 99999:
        raise bad_request("USAGE_LIMIT_INVALID")
    if member_limit is not None and creates_join_request:
        raise bad_request(
            "member limit can't be specified for links requiring administrator approval"
        )
    link = InviteLinkRecord(
        invite_link="https://t.me/+" + world.random_token(16),
        creator_id=world.bot.id,
        creates_join_request=creates_join_request,
        name=name,
        expire_date=params.opt_int("expire_date"),
        member_limit=member_limit,
    )
    chat.invite_links[link.invite_link] = link
    world.notifier.notify()
    return _link_obj(world, chat, link)


@method("revokeChatInviteLink")
async def revoke_chat_invite_link(world: World, params: Params) -> JSON:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_invite_users"):
        raise bad_request(NO_RIGHTS_INVITE_LINK)
    link = chat.invite_links.get(params.get_str("invite_link"))
    if link is None:
        raise bad_request("INVITE_HASH_INVALID")
    link.is_revoked = True
    world.notifier.notify()
    return _link_obj(world, chat, link)


@method("approveChatJoinRequest")
async def approve_chat_join_request(world: World, params: Params) -> bool:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_invite_users"):
        raise bad_request("CHAT_ADMIN_REQUIRED")
    request = chat.join_requests.get(params.get_int("user_id"))
    if request is None:
        raise bad_request(JOIN_REQUEST_MISSING)
    link = link_obj(world, chat, request.invite_link)
    del chat.join_requests[request.user_id]
    user = world.users[request.user_id]
    world.change_member(
        chat, user.id, MemberRecord("member"), world.bot, invite_link=link, via_join_request=True
    )
    world.post_user_message(chat, user, {"new_chat_members": [user.user_obj()]})
    return True


@method("declineChatJoinRequest")
async def decline_chat_join_request(world: World, params: Params) -> bool:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_invite_users"):
        raise bad_request("CHAT_ADMIN_REQUIRED")
    if chat.join_requests.pop(params.get_int("user_id"), None) is None:
        raise bad_request(JOIN_REQUEST_MISSING)
    world.notifier.notify()
    return True


@method("restrictChatMember")
async def restrict_chat_member(world: World, params: Params) -> bool:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_restrict_members"):
        raise bad_request(NO_RIGHTS_RESTRICT)
    user, member = _target(world, chat, params)
    given = params.opt_obj("permissions") or {}
    perms = {name: given.get(name) is True for name in world.permission_fields}
    if not params.flag("use_independent_chat_permissions"):
        # Telegram's legacy implications between permissions.
        if perms["can_send_other_messages"] or perms["can_add_web_page_previews"]:
            perms.update(dict.fromkeys(_MEDIA, True))
        if perms["can_send_polls"]:
            perms["can_send_messages"] = True
    present = member.present
    if all(given.values()) and all(perms[name] for name in SEND_PERMISSIONS):
        new = MemberRecord("member") if present else MemberRecord("left", is_member=False)
    else:
        new = MemberRecord(
            "restricted", permissions=perms, until_date=_until(world, params), is_member=present
        )
    world.change_member(chat, user.id, new, world.bot)
    return True


@method("banChatMember")
async def ban_chat_member(world: World, params: Params) -> bool:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_restrict_members"):
        raise bad_request(NO_RIGHTS_RESTRICT)
    user, member = _target(world, chat, params)
    was_present = member.present
    new = MemberRecord("kicked", until_date=_until(world, params), is_member=False)
    world.change_member(chat, user.id, new, world.bot)
    if params.flag("revoke_messages"):
        for message_id, msg in list(chat.messages.items()):
            if msg["from"]["id"] == user.id:
                chat.deleted[message_id] = chat.messages.pop(message_id)
    if was_present:
        # The "X removed Y" service message; the bot does not get its own messages.
        world.store_message(chat, world.bot, {"left_chat_member": user.user_obj()})
    return True


@method("unbanChatMember")
async def unban_chat_member(world: World, params: Params) -> bool:
    chat = _group(world, params)
    if not world.bot_has_right(chat, "can_restrict_members"):
        raise bad_request(NO_RIGHTS_RESTRICT)
    user, member = _target(world, chat, params)
    if member.status != "kicked" and (params.flag("only_if_banned") or not member.present):
        return True
    # Without only_if_banned Telegram guarantees the user is out of the chat afterwards.
    world.change_member(chat, user.id, MemberRecord("left", is_member=False), world.bot)
    return True


@method("getChatMember")
async def get_chat_member(world: World, params: Params) -> JSON:
    chat = world.resolve_chat(params.get("chat_id"))
    if chat.type != "private":
        world.check_can_send(chat)
    user = world.resolve_user(params.get("user_id"))
    return world.member_obj(chat, user.id)


@method("getChatAdministrators")
async def get_chat_administrators(world: World, params: Params) -> list[JSON]:
    chat = _group(world, params)
    return [
        world.member_obj(chat, user_id)
        for user_id, member in chat.members.items()
        if member.status in ("creator", "administrator")
    ]


@method("getChat")
async def get_chat(world: World, params: Params) -> JSON:
    chat = world.resolve_chat(params.get("chat_id"))
    info = world.chat_obj(chat)
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.type != "private":
        info["permissions"] = {name: name not in _ADMIN_ONLY for name in world.permission_fields}
    if chat.pinned and (pinned := chat.messages.get(chat.pinned[-1])) is not None:
        info["pinned_message"] = pinned
    return info


# Default group permissions Telegram gives new supergroups: members may not change settings.
_ADMIN_ONLY = frozenset(
    {"can_change_info", "can_pin_messages", "can_manage_topics", "can_edit_tag"}
)


@method("leaveChat")
async def leave_chat(world: World, params: Params) -> bool:
    chat = world.resolve_chat(params.get("chat_id"))
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if not world.bot_member(chat).present:
        world.check_can_send(chat)
    world.change_member(chat, world.bot.id, MemberRecord("left", is_member=False), world.bot)
    world.store_message(chat, world.bot, {"left_chat_member": world.bot.user_obj()})
    return True
