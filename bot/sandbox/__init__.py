"""A strict Telegram Bot API server on loopback for tests and `lotgenoot demo`.

The real bot talks to it over HTTP (``ApplicationBuilder().base_url(sandbox.api_url)``);
tests play people through `SandboxUser`/`SandboxGroup` and assert on what the bot sent.
"""

from __future__ import annotations

from bot.sandbox.errors import ApiError
from bot.sandbox.groups import SandboxGroup
from bot.sandbox.media import MEDIA_KINDS
from bot.sandbox.people import SandboxUser
from bot.sandbox.sandbox import TelegramSandbox
from bot.sandbox.spec import BotApiSpec, UploadedFile, load_spec
from bot.sandbox.world import RecordedCall

__all__ = [
    "MEDIA_KINDS",
    "ApiError",
    "BotApiSpec",
    "RecordedCall",
    "SandboxGroup",
    "SandboxUser",
    "TelegramSandbox",
    "UploadedFile",
    "load_spec",
]
