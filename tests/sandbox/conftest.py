"""Fixtures for the sandbox's own tests: a started sandbox and a python-telegram-bot Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest_asyncio
import telegram
from telegram.request import HTTPXRequest

from bot.sandbox import TelegramSandbox


def assert_updates_parse(sandbox: TelegramSandbox) -> None:
    """Every queued update must parse with python-telegram-bot, with no field it ignores."""
    for data in sandbox.updates:
        update = telegram.Update.de_json(data, bot=None)
        assert update.update_id == data["update_id"]
        assert not update.api_kwargs, f"PTB did not understand {update.api_kwargs}"


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TelegramSandbox]:
    async with TelegramSandbox() as sb:
        yield sb
        # Checked on every test: the sandbox itself must stay bug- and spec-clean.
        assert not sb.internal_errors, sb.internal_errors
        assert_updates_parse(sb)


@pytest_asyncio.fixture
async def bot(sandbox: TelegramSandbox) -> AsyncIterator[telegram.Bot]:
    # A pool bigger than PTB's default so concurrent-call tests are really concurrent.
    request = HTTPXRequest(connection_pool_size=8)
    async with telegram.Bot(sandbox.bot_token, base_url=sandbox.api_url, request=request) as b:
        yield b


RawApi = Callable[[str, dict[str, Any]], Awaitable[Any]]


@pytest_asyncio.fixture
async def raw_api(sandbox: TelegramSandbox) -> AsyncIterator[RawApi]:
    """Call the sandbox with a raw JSON body (for shapes python-telegram-bot would not send)."""
    async with aiohttp.ClientSession() as http:

        async def call(method: str, payload: dict[str, Any]) -> Any:
            url = f"{sandbox.api_url}{sandbox.bot_token}/{method}"
            async with http.post(url, json=payload) as response:
                return await response.json()

        yield call
