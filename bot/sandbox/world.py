"""Shared state behind the HTTP methods and the people API, and the rules both obey.

Both sides mutate the same `World`: the bot through HTTP methods, tests through people
objects. Every change that a waiter could care about ends in `notifier.notify()`.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import BOT_BLOCKED, CHAT_NOT_FOUND, bad_request, forbidden
from bot.sandbox.limits import RateLimiter
from bot.sandbox.model import (
    JSON,
    ChatRecord,
    MemberRecord,
    UserRecord,
    chat_member_obj,
    chat_obj,
    json_copy,
)
from bot.sandbox.spec import BotApiSpec, UploadedFile, load_spec
from bot.sandbox.updates import Notifier, UpdateQueue
from bot.sandbox.webhook import Webhook

FIRST_USER_ID = 100_000_001
MAX_PARAM_REPR = 160
FIRST_GROUP_ID = -1_001_000_000_001


@dataclass(frozen=True)
class RecordedCall:
    """One HTTP call the bot made, as the sandbox understood and answered it."""

    method: str  # canonical spelling when the spec knows the method
    params: dict[str, Any]  # decoded; uploads appear as UploadedFile
    http_status: int
    response: dict[str, Any]
    at: float  # time.monotonic() when answered
    unknown: tuple[str, ...] = ()  # why this call is in `unknown_calls`, if it is

    @property
    def ok(self) -> bool:
        return self.http_status == 200


@dataclass
class CallbackRecord:
    user_id: int
    answered: bool = False
    answer: JSON = field(default_factory=dict)


class World:
    def __init__(
        self,
        *,
        bot_token: str,
        bot_username: str,
        bot_name: str,
        clock: Callable[[], float] | None,
        seed: int,
        limits: RateLimiter,
    ) -> None:
        self.spec: BotApiSpec = load_spec()
        self.token = bot_token
        bot_id = int(bot_token.split(":", 1)[0])
        self.bot = UserRecord(bot_id, bot_name, username=bot_username, is_bot=True)
        self.users: dict[int, UserRecord] = {bot_id: self.bot}
        self.chats: dict[int, ChatRecord] = {}
        self.notifier = Notifier()
        self.updates = UpdateQueue(self.notifier)
        self.calls: list[RecordedCall] = []
        self.internal_errors: list[BaseException] = []
        self.rng = random.Random(seed)  # ids, links, file ids
        # Faults get their own stream so how many ids a test draws cannot shift them.
        self.fault_rng = random.Random(f"faults:{seed}")
        self.clock: Callable[[], float] = clock or time.time
        self.limits = limits
        self.files: dict[str, UploadedFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.latency_s = 0.0
        self.server_error_rate = 0.0
        self.closing = False
        self.webhook = Webhook(self.notifier, self.updates, self.clock)
        # Each getUpdates bumps this; an older long poll that sees it change answers 409.
        self.poll_generation = 0
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = FIRST_GROUP_ID
        self._permission_fields = self.spec.type_fields("ChatPermissions")

    # -- basics ---------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self.notifier.notify()

    async def wait_for(self, predicate: Callable[[], bool], within_s: float, what: str) -> None:
        """Wait, event-driven, until `predicate()` holds; explain the state on timeout."""
        if not await self.notifier.wait_until(predicate, within_s):
            raise TimeoutError(f"timed out after {within_s}s waiting for {what}\n{self.describe()}")

    def describe(self, last: int = 8) -> str:
        """Recent calls, pending updates and sandbox errors, for failure messages."""
        calls = [c for c in self.calls if c.method != "getUpdates"][-last:]
        lines = ["last calls:" if calls else "the bot made no calls besides getUpdates"]
        for call in calls:
            outcome = "ok" if call.ok else call.response.get("description", "")
            lines.append(f"  {call.method} {_short(call.params)} -> {call.http_status} {outcome}")
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines.append(
            f"getUpdates calls: {polls}; pending updates: {len(self.updates.pending)}; "
            f"dropped by allowed_updates: {len(self.updates.dropped)}"
        )
        if self.webhook.active:
            lines.append(
                f"webhook: {self.webhook.url} last error: {self.webhook.last_error_message}"
            )
        lines.extend(f"sandbox error: {exc!r}" for exc in self.internal_errors)
        return "\n".join(lines)

    def random_token(self, length: int) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    @property
    def permission_fields(self) -> list[str]:
        return list(self._permission_fields)

    def emit(self, kind: str, payload: JSON) -> JSON:
        """Queue an update after checking it against the spec, so shape bugs fail loudly."""
        update: JSON = {"update_id": 0, kind: json_copy(payload)}
        problems = self.spec.check_object("Update", update)
        if problems.errors or problems.unknown:
            raise AssertionError(f"sandbox built an invalid update: {problems}")
        return self.updates.push(kind, update[kind])

    # -- users and chats --------------------------------------------------------------------

    def new_user(
        self,
        first_name: str,
        *,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> UserRecord:
        while self._next_user_id in self.users:
            self._next_user_id += 1
        user = UserRecord(self._next_user_id, first_name, last_name, username, language_code)
        self.users[user.id] = user
        self._next_user_id += 1
        return user

    def new_group(self, title: str, creator: UserRecord) -> ChatRecord:
        chat = ChatRecord(self._next_group_id, "supergroup", title=title)
        chat.members[creator.id] = MemberRecord("creator")
        self.chats[chat.id] = chat
        self._next_group_id -= 1
        return chat

    def private_chat(self, user: UserRecord) -> ChatRecord:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = ChatRecord(user.id, "private", user_id=user.id)
            chat.members[user.id] = MemberRecord("member")
            chat.members[self.bot.id] = MemberRecord("member")
            self.chats[user.id] = chat
        return chat

    def chat_obj(self, chat: ChatRecord) -> JSON:
        return chat_obj(chat, self.users)

    def member_obj(self, chat: ChatRecord, user_id: int) -> JSON:
        member = self.current_member(chat, user_id)
        return chat_member_obj(self.users[user_id].user_obj(), member, self._permission_fields)

    def current_member(self, chat: ChatRecord, user_id: int) -> MemberRecord:
        """The member record with expired restrictions and bans lifted, as Telegram does."""
        member = chat.member(user_id)
        if member.status in ("restricted", "kicked") and 0 < member.until_date <= self.now():
            if member.status == "kicked":
                member = MemberRecord("left", is_member=False)
            else:
                member = MemberRecord("member" if member.is_member else "left", is_member=True)
            chat.members[user_id] = member
        return member

    def bot_member(self, chat: ChatRecord) -> MemberRecord:
        return chat.member(self.bot.id)

    def bot_is_admin(self, chat: ChatRecord) -> bool:
        return self.bot_member(chat).status in ("administrator", "creator")

    def bot_has_right(self, chat: ChatRecord, right: str) -> bool:
        member = self.bot_member(chat)
        return member.status == "creator" or (
            member.status == "administrator" and bool(member.rights.get(right))
        )

    def pending_join_request(self, user_id: int) -> bool:
        return any(user_id in chat.join_requests for chat in self.chats.values())

    # -- rules for the bot's calls ----------------------------------------------------------

    def resolve_chat(self, chat_id: Any) -> ChatRecord:
        """Find the chat a method names, or fail like Telegram ("chat not found")."""
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request(CHAT_NOT_FOUND)  # no public @usernames in the sandbox
        if chat_id > 0:
            user = self.users.get(chat_id)
            if user is None or user.is_bot:
                raise bad_request(CHAT_NOT_FOUND)
            # A bot may message a user only after they wrote to it, or while they have a
            # pending join request (Telegram's user_chat_id exception).
            if not (user.started or self.pending_join_request(user.id)):
                raise bad_request(CHAT_NOT_FOUND)
            return self.private_chat(user)
        chat = self.chats.get(chat_id)
        if chat is None or self.bot.id not in chat.members:
            raise bad_request(CHAT_NOT_FOUND)  # unknown, or the bot has never been in it
        return chat

    def check_can_send(self, chat: ChatRecord) -> None:
        if chat.type == "private":
            assert chat.user_id is not None
            if self.users[chat.user_id].blocked:
                raise forbidden(BOT_BLOCKED)
            return
        status = self.bot_member(chat).status
        if status == "kicked":
            raise forbidden("bot was kicked from the supergroup chat")
        if status in ("left", "restricted"):
            raise forbidden("bot is not a member of the supergroup chat")

    def resolve_user(self, user_id: Any) -> UserRecord:
        user = self.users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            raise bad_request("user not found")
        return user

    # -- messages -------------------------------------------------------------------------

    def store_message(self, chat: ChatRecord, sender: UserRecord, content: JSON) -> JSON:
        msg: JSON = {
            "message_id": chat.next_message_id(),
            "from": sender.user_obj(),
            "date": self.now(),
            "chat": self.chat_obj(chat),
        }
        msg.update(content)
        chat.messages[msg["message_id"]] = msg
        if sender.id == self.bot.id:
            chat.bot_sent.append(msg["message_id"])
        self.notifier.notify()
        return msg

    def bot_sees(self, chat: ChatRecord) -> bool:
        """Whether messages in `chat` reach the bot (privacy mode is off in the sandbox)."""
        if chat.type == "private":
            assert chat.user_id is not None
            return not self.users[chat.user_id].blocked
        return self.bot_member(chat).present

    def post_user_message(self, chat: ChatRecord, sender: UserRecord, content: JSON) -> JSON:
        msg = self.store_message(chat, sender, content)
        if self.bot_sees(chat):
            self.emit("message", msg)
        return json_copy(msg)

    def reply_snapshot(self, chat: ChatRecord, message_id: int) -> JSON | None:
        msg = chat.messages.get(message_id)
        if msg is None:
            return None
        snapshot = json_copy(msg)
        snapshot.pop("reply_to_message", None)  # Telegram nests replies one level only
        return snapshot

    def message_state(self, chat: ChatRecord, message_id: int) -> JSON | None:
        msg = chat.messages.get(message_id) or chat.deleted.get(message_id)
        return json_copy(msg) if msg is not None else None

    # -- membership changes ----------------------------------------------------------------

    def join_member(
        self, chat: ChatRecord, user: UserRecord, actor: UserRecord, link: JSON | None
    ) -> None:
        """`user` joins (added by `actor`, or by themselves via `link`)."""
        self.change_member(chat, user.id, MemberRecord("member"), actor, invite_link=link)
        self.post_user_message(chat, actor, {"new_chat_members": [user.user_obj()]})

    def change_member(
        self,
        chat: ChatRecord,
        user_id: int,
        new: MemberRecord,
        actor: UserRecord,
        *,
        invite_link: JSON | None = None,
        via_join_request: bool = False,
    ) -> None:
        """Apply a status change and emit the (my_)chat_member update Telegram would send."""
        old_obj = self.member_obj(chat, user_id)
        chat.members[user_id] = new
        new_obj = self.member_obj(chat, user_id)
        self.notifier.notify()
        if old_obj == new_obj:
            return
        payload: JSON = {
            "chat": self.chat_obj(chat),
            "from": actor.user_obj(),
            "date": self.now(),
            "old_chat_member": old_obj,
            "new_chat_member": new_obj,
        }
        if invite_link is not None:
            payload["invite_link"] = invite_link
        if via_join_request:
            payload["via_join_request"] = True
        if user_id == self.bot.id:
            self.emit("my_chat_member", payload)
        elif self.bot_is_admin(chat):
            # Telegram sends chat_member updates only to bots that administer the chat.
            self.emit("chat_member", payload)


def _short(params: dict[str, Any]) -> str:
    text = repr(params)
    return text if len(text) <= MAX_PARAM_REPR else text[: MAX_PARAM_REPR - 3] + "..."
