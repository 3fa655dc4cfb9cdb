"""`TelegramSandbox`: a Bot API server on loopback plus the handles tests use to drive it."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sandbox.groups import SandboxGroup
from bot.sandbox.limits import RateLimiter
from bot.sandbox.model import json_copy
from bot.sandbox.people import SandboxUser, as_json
from bot.sandbox.server import build_app
from bot.sandbox.spec import UploadedFile
from bot.sandbox.world import RecordedCall, World

JSON = dict[str, Any]
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
SEND_METHODS = frozenset({"sendMessage", "sendDocument"})


class TelegramSandbox:
    def __init__(
        self,
        bot_token: str = "123456:SANDBOX-TOKEN",
        bot_username: str = "lotgenoot_sandbox_bot",
        *,
        bot_name: str = "Lotgenoot",
        latency_s: float = 0.0,
        server_error_rate: float = 0.0,
        seed: int = 0,
        global_limit_per_s: int = 30,
        group_limit_per_min: int = 20,
        private_chat_limit_per_s: float | None = None,
        enforce_limits: bool = True,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not _TOKEN_RE.fullmatch(bot_token):
            raise ValueError("bot_token must look like '<digits>:<letters>'")
        self.limits = RateLimiter(
            global_limit_per_s=global_limit_per_s,
            group_limit_per_min=group_limit_per_min,
            private_chat_limit_per_s=private_chat_limit_per_s,
            enabled=enforce_limits,
        )
        self.world = World(
            bot_token=bot_token,
            bot_username=bot_username,
            bot_name=bot_name,
            clock=clock,
            seed=seed,
            limits=self.limits,
        )
        self.latency_s = latency_s
        self.server_error_rate = server_error_rate
        self._people: dict[int, SandboxUser] = {}
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("sandbox already started")
        self.world.closing = False
        # A short shutdown timeout: open long polls are released by `closing` anyway.
        runner = web.AppRunner(build_app(self.world), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._base_url = f"http://{bound_host}:{bound_port}"

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.world.closing = True
        self.world.notifier.notify()
        await self.world.webhook.stop()
        await runner.cleanup()

    async def __aenter__(self) -> TelegramSandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("sandbox not started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """What ApplicationBuilder().base_url() takes; python-telegram-bot appends the token."""
        return self.base_url + "/bot"

    @property
    def bot_token(self) -> str:
        return self.world.token

    @property
    def bot_user(self) -> JSON:
        return self.world.bot.user_obj()

    # -- faults and limits (settable at runtime) ---------------------------------------------

    @property
    def latency_s(self) -> float:
        return self.world.latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        self.world.latency_s = value

    @property
    def server_error_rate(self) -> float:
        return self.world.server_error_rate

    @server_error_rate.setter
    def server_error_rate(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError("server_error_rate must be between 0 and 1")
        self.world.server_error_rate = value

    @property
    def enforce_limits(self) -> bool:
        return self.limits.enabled

    @enforce_limits.setter
    def enforce_limits(self, value: bool) -> None:
        self.limits.enabled = value

    # -- people -------------------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str | None = "nl",
        username: str | None = None,
        last_name: str | None = None,
    ) -> SandboxUser:
        record = self.world.new_user(
            first_name, last_name=last_name, username=username, language_code=language_code
        )
        user = self._people[record.id] = SandboxUser(self.world, record)
        return user

    def add_group(self, title: str, creator: SandboxUser) -> SandboxGroup:
        chat = self.world.new_group(title, creator.record)
        return SandboxGroup(self.world, chat, creator, self._people.__getitem__)

    def user(self, user_id: int) -> SandboxUser:
        return self._people[user_id]

    # -- what happened ------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        return list(self.world.calls)

    @property
    def unknown_calls(self) -> list[RecordedCall]:
        """Calls the real bot must not make: unknown or unimplemented methods or parameters."""
        return [call for call in self.world.calls if call.unknown]

    @property
    def internal_errors(self) -> list[BaseException]:
        """Sandbox bugs (exceptions, non-spec results); a test fixture should assert none."""
        return list(self.world.internal_errors)

    @property
    def updates(self) -> list[JSON]:
        """Every update ever queued, in order (including ones already delivered)."""
        return json_copy(self.world.updates.history)

    @property
    def pending_updates(self) -> list[JSON]:
        return json_copy(list(self.world.updates.pending))

    @property
    def commands(self) -> dict[tuple[str, str], list[JSON]]:
        """setMyCommands state: {(scope, language_code or ""): [{command, description}]}.

        scope is the BotCommandScope type; chat scopes add their ids, e.g. "chat:-1001...".
        """
        return json_copy(self.world.commands)

    @property
    def files(self) -> dict[str, UploadedFile]:
        """Uploaded files by the file_id the sandbox gave them."""
        return dict(self.world.files)

    def file_of(self, message: object) -> UploadedFile:
        """The uploaded file behind a document message (dict or python-telegram-bot Message)."""
        return self.world.files[str(as_json(message)["document"]["file_id"])]

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot sent successfully (sendMessage/sendDocument), in order.

        Each is the message as it is now: edits applied; deleted ones in their last state.
        """
        out: list[JSON] = []
        for call in self.world.calls:
            if call.method not in SEND_METHODS or not call.ok:
                continue
            result = call.response["result"]
            chat = self.world.chats.get(int(result["chat"]["id"]))
            if chat_id is not None and chat_id != result["chat"]["id"]:
                continue
            current = None if chat is None else self.world.message_state(chat, result["message_id"])
            out.append(current or json_copy(result))
        return out

    # `timeout` is part of the test-facing API (like asyncio.wait_for), hence the noqa.
    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until `predicate()` holds, re-checking on every call and queued update."""
        await self.world.wait_for(predicate, timeout, what)

    def describe(self) -> str:
        return self.world.describe()
