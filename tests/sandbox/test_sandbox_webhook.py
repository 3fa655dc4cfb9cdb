"""Webhook mode: updates POSTed in order with the secret header; getUpdates conflicts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram.error import Conflict

from bot.sandbox import TelegramSandbox


class Receiver:
    """A tiny webhook endpoint that can be told to fail the first few deliveries."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.secrets: list[str | None] = []
        self.fail_next = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=500)
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        self.received.append(await request.json())
        return web.Response(text="ok")


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    rec.url = f"http://{host}:{port}/hook"
    yield rec
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_retries(
    bot: telegram.Bot, sandbox: TelegramSandbox, receiver: Receiver
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("voor de webhook")  # queued before: delivered once the webhook is set
    receiver.fail_next = 2
    assert await bot.set_webhook(receiver.url, secret_token="geheim-123")
    alice.send("een")
    alice.send("twee")
    await sandbox.wait_for(lambda: len(receiver.received) == 3)
    texts = [u["message"]["text"] for u in receiver.received]
    assert texts == ["voor de webhook", "een", "twee"]
    assert receiver.secrets == ["geheim-123"] * 3
    for data in receiver.received:
        assert telegram.Update.de_json(data, bot=None).message is not None
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0
    assert info.last_error_message is not None
    assert "500" in info.last_error_message
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


async def test_delete_webhook_returns_to_polling(
    bot: telegram.Bot, sandbox: TelegramSandbox, receiver: Receiver
) -> None:
    alice = sandbox.add_user("Alice")
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await sandbox.wait_for(lambda: sandbox.world.poll_generation == 1)
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict):
        await asyncio.wait_for(poll, 5)  # a waiting long poll gives way to the webhook
    assert await bot.delete_webhook()
    alice.send("na de webhook")
    updates = await bot.get_updates()
    assert [u.message.text if u.message else None for u in updates] == ["na de webhook"]
    assert (await bot.get_webhook_info()).url == ""


async def test_set_webhook_drop_pending(
    bot: telegram.Bot, sandbox: TelegramSandbox, receiver: Receiver
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("oud")
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    alice.send("nieuw")
    await sandbox.wait_for(lambda: len(receiver.received) == 1)
    assert receiver.received[0]["message"]["text"] == "nieuw"
