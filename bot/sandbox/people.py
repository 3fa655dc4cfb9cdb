"""People that tests play: each action queues the updates Telegram would send.

Actions are synchronous (they only change state and queue updates); waiting for the bot's
reaction is done with the awaitable `wait_for*` helpers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.formatting import auto_entities
from bot.sandbox.media import media_content
from bot.sandbox.methods_chat import link_obj
from bot.sandbox.model import (
    ChatRecord,
    InviteLinkRecord,
    JoinRequestRecord,
    MemberRecord,
    UserRecord,
    json_copy,
)
from bot.sandbox.world import CallbackRecord, World

if TYPE_CHECKING:
    from bot.sandbox.groups import SandboxGroup

JSON = dict[str, Any]


class SandboxUser:
    """A Telegram user talking to the bot."""

    def __init__(self, world: World, record: UserRecord) -> None:
        self._world = world
        self.record = record
        self._cursor = 0  # how many of the bot's messages wait_for_messages has handed out

    def __repr__(self) -> str:
        return f"SandboxUser({self.record.first_name!r}, id={self.id})"

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def chat_id(self) -> int:
        return self.record.id

    @property
    def first_name(self) -> str:
        return self.record.first_name

    @property
    def username(self) -> str | None:
        return self.record.username

    @property
    def user_obj(self) -> JSON:
        return self.record.user_obj()

    @property
    def blocked(self) -> bool:
        return self.record.blocked

    # -- private chat -----------------------------------------------------------------------

    def send(self, text: str, *, reply_to: object | None = None) -> JSON:
        """Write to the bot in private; returns the Message as the bot receives it."""
        if self.record.blocked:
            self.unblock()  # pressing "Restart" in a blocked chat unblocks the bot first
        self.record.started = True
        chat = self._world.private_chat(self.record)
        return self._world.post_user_message(
            chat, self.record, _text_content(text, chat, self._world, reply_to)
        )

    def tap(self, label: str) -> JSON:
        """Tap a button of the custom keyboard the bot shows: Telegram sends its text."""
        keyboard = self.reply_keyboard or {}
        labels = [button.get("text") for row in keyboard.get("keyboard", []) for button in row]
        if label not in labels:
            raise ValueError(f"no keyboard button {label!r}; the keyboard shows {labels}")
        return self.send(label)

    def send_media(self, kind: str, *, caption: str | None = None) -> JSON:
        """Send a voice note, photo, video, sticker, document or location (`MEDIA_KINDS`)."""
        chat = self._open_private_chat()
        return self._world.post_user_message(
            chat, self.record, media_content(self._world, kind, caption)
        )

    def edit(self, message: object, text: str) -> JSON:
        """Edit a text message I sent the bot; it gets `edited_message` with the new text."""
        chat = self._open_private_chat()
        message_id = int(as_json(message)["message_id"])
        current = chat.messages.get(message_id)
        if current is None or current["from"]["id"] != self.id or "text" not in current:
            raise ValueError(f"{self} has no text message {message_id} to edit")
        if current["text"] == text:
            raise ValueError("Telegram sends no update for an edit that changes nothing")
        edited = {k: v for k, v in current.items() if k not in ("text", "entities")}
        edited.update(_text_content(text, chat, self._world, None), edit_date=self._world.now())
        chat.messages[message_id] = edited
        if self._world.bot_sees(chat):
            self._world.emit("edited_message", edited)
        return json_copy(edited)

    def _open_private_chat(self) -> ChatRecord:
        if self.record.blocked:
            self.unblock()
        self.record.started = True
        return self._world.private_chat(self.record)

    def press(self, message: object, callback_data: str) -> JSON:
        """Press the inline button with `callback_data` on a bot message; returns the query.

        `message` is a Message dict (e.g. from `messages`) or a python-telegram-bot Message;
        the button is looked up on the message as it is now, so edited-away buttons are gone.
        """
        message = as_json(message)
        chat = self._world.chats.get(int(message["chat"]["id"]))
        if chat is None:
            raise ValueError("that message is not in any chat the sandbox knows")
        if chat.type == "private" and chat.id != self.id:
            raise ValueError(f"{self} cannot see a message in another user's private chat")
        if chat.type != "private" and not self._world.current_member(chat, self.id).present:
            raise ValueError(f"{self} is not a member of {chat.title!r}")
        current = chat.messages.get(int(message["message_id"]))
        if current is None:
            raise ValueError(f"message {message['message_id']} no longer exists")
        buttons = [
            b for row in current.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        if not any(b.get("callback_data") == callback_data for b in buttons):
            offered = [b.get("callback_data") for b in buttons if "callback_data" in b]
            raise ValueError(f"no button with callback_data {callback_data!r}; it has {offered}")
        query_id = str(self._world.rng.getrandbits(63))
        self._world.callback_queries[query_id] = CallbackRecord(self.id)
        query: JSON = {
            "id": query_id,
            "from": self.record.user_obj(),
            "message": json_copy(current),
            # Stable per chat, like Telegram's opaque chat_instance.
            "chat_instance": str(int(hashlib.sha1(str(chat.id).encode()).hexdigest()[:15], 16)),
            "data": callback_data,
        }
        if self._world.bot_sees(chat):
            self._world.emit("callback_query", query)
        return query

    def callback_answer(self, query: object) -> JSON | None:
        """What the bot answered to a press (answerCallbackQuery params), or None if not yet."""
        record = self._world.callback_queries.get(str(as_json(query)["id"]))
        return dict(record.answer) if record is not None and record.answered else None

    def block(self) -> None:
        """Block the bot: it gets my_chat_member (member → kicked) and 403 on sending."""
        if self.record.blocked:
            return
        self._my_chat_member("member", "kicked")
        self.record.blocked = True

    def unblock(self) -> None:
        if not self.record.blocked:
            return
        self.record.blocked = False
        self._my_chat_member("kicked", "member")

    def _my_chat_member(self, old: str, new: str) -> None:
        world = self._world
        chat = world.private_chat(self.record)
        bot = world.bot.user_obj()
        payload = {
            "chat": world.chat_obj(chat),
            "from": self.record.user_obj(),
            "date": world.now(),
            "old_chat_member": _plain_member(bot, old),
            "new_chat_member": _plain_member(bot, new),
        }
        world.emit("my_chat_member", payload)

    @property
    def messages(self) -> list[JSON]:
        """The bot's messages in this user's private chat, as they are now (edits applied)."""
        chat = self._world.chats.get(self.id)
        if chat is None:
            return []
        return [json_copy(chat.messages[i]) for i in chat.bot_sent if i in chat.messages]

    @property
    def last_message(self) -> JSON | None:
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def reply_keyboard(self) -> JSON | None:
        """The custom keyboard (ReplyKeyboardMarkup) the bot currently shows this user."""
        chat = self._world.chats.get(self.id)
        return json_copy(chat.reply_keyboard) if chat is not None else None

    # `timeout` is part of the test-facing API (like asyncio.wait_for), hence the noqa.
    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[JSON]:  # noqa: ASYNC109
        """Wait until `count` new bot messages arrived since the last call; return all new."""

        def sent() -> list[int]:
            chat = self._world.chats.get(self.id)
            return chat.bot_sent if chat is not None else []

        await self._world.wait_for(
            lambda: len(sent()) - self._cursor >= count,
            timeout,
            f"{count} new message(s) from the bot to {self.first_name}",
        )
        chat = self._world.chats.get(self.id)
        if chat is None:  # count=0 and no chat yet: nothing new
            return []
        new_ids = sent()[self._cursor :]
        self._cursor = len(sent())
        return [m for i in new_ids if (m := self._world.message_state(chat, i)) is not None]

    async def wait_for_edit(
        self,
        message: object,
        until: Callable[[JSON], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """Wait until the bot's message, as edited in place, satisfies `until`; return it."""
        message = as_json(message)
        chat = self._world.chats[int(message["chat"]["id"])]
        message_id = int(message["message_id"])
        await self._world.wait_for(
            lambda: until(chat.messages.get(message_id) or {}),
            timeout,
            f"an edit of message {message_id}",
        )
        state = self._world.message_state(chat, message_id)
        assert state is not None
        return state

    # -- groups -----------------------------------------------------------------------------

    def send_in_group(self, group: SandboxGroup, text: str, reply_to: object | None = None) -> JSON:
        chat = group.chat
        member = self._world.current_member(chat, self.id)
        if not member.present:
            raise PermissionError(f"{self} is not a member of {chat.title!r}")
        if member.status == "restricted" and not member.permissions.get("can_send_messages"):
            raise PermissionError(f"{self} is muted in {chat.title!r}")
        return self._world.post_user_message(
            chat, self.record, _text_content(text, chat, self._world, reply_to)
        )

    def request_join(self, invite_link: object) -> JSON:
        """Ask to join via a join-request link; the bot gets chat_join_request if it may."""
        chat, link = self._find_link(invite_link)
        if not link.creates_join_request:
            raise ValueError("that link lets people join directly; use join()")
        if self._world.current_member(chat, self.id).present:
            raise ValueError(f"{self} is already a member of {chat.title!r}")
        world = self._world
        chat.join_requests[self.id] = JoinRequestRecord(self.id, link.invite_link, world.now())
        payload: JSON = {
            "chat": world.chat_obj(chat),
            "from": self.record.user_obj(),
            "user_chat_id": self.id,
            "date": world.now(),
            "invite_link": link_obj(world, chat, link.invite_link),
        }
        if world.bot_has_right(chat, "can_invite_users"):
            world.emit("chat_join_request", payload)
        else:
            world.notifier.notify()
        return payload

    def join(self, invite_link: object) -> None:
        """Join directly through a link that does not need approval."""
        chat, link = self._find_link(invite_link)
        if link.creates_join_request:
            raise ValueError("that link needs approval; use request_join()")
        link_json = link_obj(self._world, chat, link.invite_link)
        self._world.join_member(chat, self.record, self.record, link_json)

    def _find_link(self, invite_link: object) -> tuple[ChatRecord, InviteLinkRecord]:
        """`invite_link` is the URL, a ChatInviteLink dict or a python-telegram-bot object."""
        url = (
            invite_link
            if isinstance(invite_link, str)
            else str(as_json(invite_link)["invite_link"])
        )
        for chat in self._world.chats.values():
            link = chat.invite_links.get(url)
            if link is None:
                continue
            if link.is_revoked:
                raise ValueError(f"invite link {url} was revoked")
            if link.expire_date is not None and link.expire_date <= self._world.now():
                raise ValueError(f"invite link {url} has expired")
            if self._world.current_member(chat, self.id).status == "kicked":
                raise ValueError(f"{self} is banned from {chat.title!r}")
            return chat, link
        raise ValueError(f"no chat has invite link {url}")

    def leave(self, group: SandboxGroup) -> None:
        chat = group.chat
        if not self._world.current_member(chat, self.id).present:
            raise ValueError(f"{self} is not a member of {chat.title!r}")
        self._world.change_member(chat, self.id, MemberRecord("left", is_member=False), self.record)
        self._world.post_user_message(
            chat, self.record, {"left_chat_member": self.record.user_obj()}
        )


def _plain_member(user: JSON, status: str) -> JSON:
    return (
        {"status": status, "user": user, "until_date": 0}
        if status == "kicked"
        else {"status": status, "user": user}
    )


def as_json(obj: object) -> JSON:
    """A Bot API object as a dict, from a dict or a python-telegram-bot object (to_dict())."""
    if isinstance(obj, dict):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, dict):
            return result
    raise TypeError(f"expected a Bot API object (dict or telegram object), got {obj!r}")


def _text_content(text: str, chat: ChatRecord, world: World, reply_to: object | None) -> JSON:
    if not text:
        raise ValueError("Telegram does not deliver empty messages")
    content: JSON = {"text": text}
    entities = auto_entities(text)
    if entities:
        content["entities"] = entities
    if reply_to is not None:
        message_id = int(as_json(reply_to)["message_id"])
        snapshot = world.reply_snapshot(chat, message_id)
        if snapshot is None:
            raise ValueError(f"message {message_id} is not in chat {chat.id}")
        content["reply_to_message"] = snapshot
    return content
