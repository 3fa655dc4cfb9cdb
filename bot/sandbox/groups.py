"""Groups that tests create: a supergroup with a creator, which the bot may be added to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sandbox.methods_chat import link_obj
from bot.sandbox.model import ADMIN_RIGHTS, ChatRecord, MemberRecord, json_copy
from bot.sandbox.people import SandboxUser
from bot.sandbox.world import World

JSON = dict[str, Any]


class SandboxGroup:
    """A supergroup with a creator; the bot joins it only via `add_bot`."""

    def __init__(
        self,
        world: World,
        chat: ChatRecord,
        creator: SandboxUser,
        people: Callable[[int], SandboxUser],
    ) -> None:
        self._world = world
        self.chat = chat
        self.creator = creator
        self._people = people

    def __repr__(self) -> str:
        return f"SandboxGroup({self.title!r}, id={self.id})"

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    def add_bot(
        self,
        admin: bool = True,
        *,
        can_invite_users: bool = True,
        can_restrict_members: bool = True,
        can_delete_messages: bool = True,
        can_pin_messages: bool = True,
    ) -> None:
        """Add (or re-rank) the bot; my_chat_member plus, on joining, a new_chat_members message."""
        world = self._world
        if admin:
            rights = dict.fromkeys(ADMIN_RIGHTS, False)
            rights.update(
                can_manage_chat=True,
                can_invite_users=can_invite_users,
                can_restrict_members=can_restrict_members,
                can_delete_messages=can_delete_messages,
                can_pin_messages=can_pin_messages,
            )
            new = MemberRecord("administrator", rights=rights)
        else:
            new = MemberRecord("member")
        joining = not world.bot_member(self.chat).present
        world.change_member(self.chat, world.bot.id, new, self.creator.record)
        if joining:
            msg = world.store_message(
                self.chat, self.creator.record, {"new_chat_members": [world.bot.user_obj()]}
            )
            world.emit("message", msg)

    def remove_bot(self) -> None:
        """The creator removes the bot (status kicked), as from the member list."""
        world = self._world
        world.change_member(
            self.chat, world.bot.id, MemberRecord("kicked", is_member=False), self.creator.record
        )
        world.store_message(
            self.chat, self.creator.record, {"left_chat_member": world.bot.user_obj()}
        )

    def add_member(self, user: SandboxUser) -> None:
        """The creator adds `user` directly."""
        if self._world.current_member(self.chat, user.id).present:
            raise ValueError(f"{user} is already a member of {self.title!r}")
        self._world.join_member(self.chat, user.record, self.creator.record, None)

    def status(self, user: SandboxUser) -> str:
        return self._world.current_member(self.chat, user.id).status

    def is_member(self, user: SandboxUser) -> bool:
        return self._world.current_member(self.chat, user.id).present

    def is_muted(self, user: SandboxUser) -> bool:
        member = self._world.current_member(self.chat, user.id)
        return member.status == "restricted" and not member.permissions.get("can_send_messages")

    def is_banned(self, user: SandboxUser) -> bool:
        return self._world.current_member(self.chat, user.id).status == "kicked"

    @property
    def members(self) -> list[SandboxUser]:
        """People currently in the group (not the bot)."""
        return [
            self._people(uid)
            for uid in list(self.chat.members)
            if uid != self._world.bot.id and self._world.current_member(self.chat, uid).present
        ]

    @property
    def pending_join_requests(self) -> list[SandboxUser]:
        return [self._people(uid) for uid in self.chat.join_requests]

    @property
    def invite_links(self) -> list[JSON]:
        return [
            obj for url in self.chat.invite_links if (obj := link_obj(self._world, self.chat, url))
        ]

    @property
    def pinned_message_ids(self) -> list[int]:
        return list(self.chat.pinned)

    @property
    def deleted_message_ids(self) -> list[int]:
        return list(self.chat.deleted)

    @property
    def messages(self) -> list[JSON]:
        """The bot's messages in this group, as they are now (deleted ones left out)."""
        return [
            json_copy(self.chat.messages[i]) for i in self.chat.bot_sent if i in self.chat.messages
        ]

    @property
    def history(self) -> list[JSON]:
        """Every message in the group (people, bot, service), as they are now."""
        return [json_copy(m) for m in self.chat.messages.values()]
