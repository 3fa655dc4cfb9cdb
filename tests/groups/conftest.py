"""Group tests drive the real bot through the sandbox, like the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.sandbox import TelegramSandbox
from tests.e2e.conftest import ALLOWED_PER_SECOND, TOKEN


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TelegramSandbox]:
    async with TelegramSandbox(bot_token=TOKEN, global_limit_per_s=ALLOWED_PER_SECOND) as server:
        yield server
        assert server.internal_errors == [], "the sandbox produced something Telegram would not"
        assert server.unknown_calls == [], "the bot called something Telegram does not have"
