"""Webhook mode: Telegram (the sandbox) posts updates; requests without the secret are refused."""

from __future__ import annotations

import socket

import aiohttp

from bot.app import Webhook, build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.e2e.conftest import runtime_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_updates_arrive_by_webhook_and_strangers_are_refused(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    port = _free_port()
    hook = Webhook(
        url=f"http://127.0.0.1:{port}/tg", secret="s3cret", port=port, listen="127.0.0.1"
    )
    async with running(build_application(runtime_for(sandbox, database, clock)), webhook=hook):
        sanne = sandbox.add_user("Sanne", language_code="nl")
        sanne.send("/help")
        [answer] = await sanne.wait_for_messages(count=1)
        forged = {"update_id": 999_999, "message": sanne.send("/help")}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/tg", json=forged) as response,
        ):
            refused = response.status
        [second] = await sanne.wait_for_messages(count=1)
    assert answer["text"] == text(Language.NL, "help.text")
    assert refused == 403
    assert second["text"] == text(Language.NL, "help.text"), "the real delivery still works"
    assert len(sanne.messages) == 2
    webhook_calls = [c for c in sandbox.calls if c.method == "setWebhook"]
    assert webhook_calls[0].params["secret_token"] == "s3cret"
