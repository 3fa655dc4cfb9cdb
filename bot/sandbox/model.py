"""The sandbox's world: users, chats, memberships, invite links, and their Bot API shapes.

Records are plain mutable dataclasses; the `*_obj` helpers render them as the exact JSON
objects the Bot API sends (field names and required fields from the spec).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

JSON = dict[str, Any]

# Statuses in which a user is actually in the chat (a restricted user may have left).
PRESENT_STATUSES = frozenset({"creator", "administrator", "member"})

# Rights a ChatMemberAdministrator carries; the boolean ones the spec marks required plus the
# supergroup-relevant optional ones (post/edit messages are for channels only).
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    # Telegram lets a bot message a user only after the user wrote to it first.
    started: bool = False
    blocked: bool = False

    def user_obj(self) -> JSON:
        obj: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            obj["last_name"] = self.last_name
        if self.username:
            obj["username"] = self.username
        if self.language_code:
            obj["language_code"] = self.language_code
        return obj

    def display_name(self) -> str:
        return f"@{self.username}" if self.username else self.first_name


@dataclass
class MemberRecord:
    """One user's standing in a group, enough to render every ChatMember subtype."""

    status: str  # creator / administrator / member / restricted / left / kicked
    rights: dict[str, bool] = field(default_factory=dict)  # administrators
    permissions: dict[str, bool] = field(default_factory=dict)  # restricted
    until_date: int = 0  # restricted / kicked; 0 = forever
    is_member: bool = True  # restricted: still in the chat?

    @property
    def present(self) -> bool:
        return self.status in PRESENT_STATUSES or (self.status == "restricted" and self.is_member)


@dataclass
class InviteLinkRecord:
    invite_link: str
    creator_id: int
    creates_join_request: bool
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    is_revoked: bool = False
    is_primary: bool = False


@dataclass
class JoinRequestRecord:
    user_id: int
    invite_link: str | None
    date: int


@dataclass
class ChatRecord:
    id: int
    type: str  # "private" or "supergroup"
    title: str | None = None
    user_id: int | None = None  # the other party of a private chat
    members: dict[int, MemberRecord] = field(default_factory=dict)
    messages: dict[int, JSON] = field(default_factory=dict)  # current state, not deleted
    deleted: dict[int, JSON] = field(default_factory=dict)  # last state before deletion
    bot_sent: list[int] = field(default_factory=list)  # ids of the bot's messages, in order
    invite_links: dict[str, InviteLinkRecord] = field(default_factory=dict)
    join_requests: dict[int, JoinRequestRecord] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    reply_keyboard: JSON | None = None  # the custom keyboard the bot last showed here
    last_message_id: int = 0

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def member(self, user_id: int) -> MemberRecord:
        return self.members.get(user_id) or MemberRecord("left", is_member=False)

    def find_message(self, message_id: int) -> JSON | None:
        return self.messages.get(message_id)


def chat_obj(chat: ChatRecord, users: dict[int, UserRecord]) -> JSON:
    """The short Chat object embedded in messages and updates."""
    if chat.type == "private":
        assert chat.user_id is not None
        user = users[chat.user_id]
        obj: JSON = {"id": chat.id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            obj["last_name"] = user.last_name
        if user.username:
            obj["username"] = user.username
        return obj
    return {"id": chat.id, "type": chat.type, "title": chat.title or ""}


def chat_member_obj(user: JSON, member: MemberRecord, permission_fields: list[str]) -> JSON:
    """Render a MemberRecord as the ChatMember subtype its status calls for."""
    status = member.status
    obj: JSON = {"status": status, "user": user}
    if status == "creator":
        obj["is_anonymous"] = False
    elif status == "administrator":
        obj["can_be_edited"] = False
        obj["is_anonymous"] = False
        obj.update({right: bool(member.rights.get(right)) for right in ADMIN_RIGHTS})
    elif status == "restricted":
        obj["is_member"] = member.is_member
        obj.update({p: bool(member.permissions.get(p)) for p in permission_fields})
        obj["until_date"] = member.until_date
    elif status == "kicked":
        obj["until_date"] = member.until_date
    return obj


def invite_link_obj(link: InviteLinkRecord, creator: JSON, pending: int | None = None) -> JSON:
    obj: JSON = {
        "invite_link": link.invite_link,
        "creator": creator,
        "creates_join_request": link.creates_join_request,
        "is_primary": link.is_primary,
        "is_revoked": link.is_revoked,
    }
    if link.name is not None:
        obj["name"] = link.name
    if link.expire_date is not None:
        obj["expire_date"] = link.expire_date
    if link.member_limit is not None:
        obj["member_limit"] = link.member_limit
    if pending is not None and link.creates_join_request:
        obj["pending_join_request_count"] = pending
    return obj


_ATOMS = frozenset({str, int, float, bool, type(None)})
T = TypeVar("T")


def json_copy(value: T) -> T:
    """A deep copy of JSON-shaped data, about three times faster than `copy.deepcopy`.

    The sandbox copies every message and update it hands out or records, so the bot and the
    test people can never change its state. Those are plain dicts, lists and scalars; anything
    else (an UploadedFile, a tuple) still goes through `copy.deepcopy`. Dict keys are kept as
    they are: they are hashable, hence not mutated in place.
    """
    kind = type(value)
    if kind is dict:
        items = cast(dict[Any, Any], value).items()
        return cast(T, {k: v if type(v) in _ATOMS else json_copy(v) for k, v in items})
    if kind is list:
        return cast(T, [v if type(v) in _ATOMS else json_copy(v) for v in cast(list[Any], value)])
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)
