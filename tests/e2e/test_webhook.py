"""Webhook mode: Telegram (the sandbox) posts updates; requests without the secret are refused.

The refusals are checked over raw TCP: a client that announces a huge body but sends only its
start still gets its answer, which proves the server did not wait for (buffer) the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import socket
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from telegram.error import NetworkError

from bot.app import Webhook, build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.i18n import Language, text
from bot.sandbox import TelegramSandbox
from tests.e2e.conftest import TOKEN, runtime_for

SECRET = "webhook-test-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_updates_arrive_by_webhook_and_strangers_are_refused(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    port = _free_port()
    hook = Webhook(url=f"http://127.0.0.1:{port}/tg", secret=SECRET, port=port, listen="127.0.0.1")
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
    welcome = text(Language.NL, "start.welcome", name="Sanne")
    assert answer["text"] == welcome
    assert refused == 403
    assert second["text"] == welcome, "the real delivery still works"
    assert len(sanne.messages) == 2
    webhook_calls = [c for c in sandbox.calls if c.method == "setWebhook"]
    assert webhook_calls[0].params["secret_token"] == SECRET


@asynccontextmanager
async def webhook_bot(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> AsyncIterator[int]:
    """The bot in webhook mode on a free loopback port (yielded)."""
    port = _free_port()
    hook = Webhook(url=f"http://127.0.0.1:{port}/tg", secret=SECRET, port=port, listen="127.0.0.1")
    async with running(build_application(runtime_for(sandbox, database, clock)), webhook=hook):
        yield port


async def _answer_to(port: int, headers: dict[str, str], body_start: bytes) -> bytes:
    """The status line the server answers with, having been sent only `body_start`.

    The server must answer and close the connection without waiting for the rest.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"POST /tg HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode() + body_start)
    try:
        async with asyncio.timeout(5):
            status = await reader.readline()
            await reader.read()  # to the end: the server closes the connection
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return status


@pytest.mark.parametrize(
    "secret_header",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}],
    ids=["missing", "wrong"],
)
async def test_request_without_the_secret_is_refused_before_its_body_is_read(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    secret_header: dict[str, str],
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "90000000", **secret_header}
    async with webhook_bot(sandbox, database, clock) as port:
        status = await _answer_to(port, headers, b"{" + b" " * 65_536)
    assert status.startswith(b"HTTP/1.1 403")


async def test_body_announced_over_a_megabyte_is_refused_with_413(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    headers = {
        "Content-Type": "application/json",
        "Content-Length": "1000001",
        "X-Telegram-Bot-Api-Secret-Token": SECRET,
    }
    async with webhook_bot(sandbox, database, clock) as port:
        status = await _answer_to(port, headers, b"{")
    assert status.startswith(b"HTTP/1.1 413")


async def test_streamed_body_over_a_megabyte_is_refused_with_413(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    headers = {
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
        "X-Telegram-Bot-Api-Secret-Token": SECRET,
    }
    chunk = b" " * 65_536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17))  # 1.1 MB
    async with webhook_bot(sandbox, database, clock) as port:
        status = await _answer_to(port, headers, chunks)
    assert status.startswith(b"HTTP/1.1 413")


KANARIE = {"id": 5, "is_bot": False, "last_name": "Kanarie"}  # no first_name: malformed
NOT_AN_UPDATE = {
    "invalid JSON": b'{"update_id": 7, "message": Kanarie',
    "deeply nested JSON": b'{"Kanarie": ' + b"[" * 400_000 + b"]" * 400_000 + b"}",
    "a list": b'["Kanarie"]',
    "an update Telegram would not send": json.dumps(
        {"update_id": 7, "message": {"message_id": 1, "date": 0, "from": KANARIE}}
    ).encode(),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP, not storage
@pytest.mark.parametrize("body", NOT_AN_UPDATE.values(), ids=NOT_AN_UPDATE.keys())
async def test_body_that_is_not_an_update_gets_400_and_one_warning_without_its_content(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    async with webhook_bot(sandbox, database, clock) as port:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/tg",
                data=body,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response,
        ):
            status = response.status
        sanne = sandbox.add_user("Sanne", language_code="nl")
        sanne.send("/help")
        [answer] = await sanne.wait_for_messages(count=1)
    assert status == 400
    welcome = text(Language.NL, "start.welcome", name="Sanne")
    assert answer["text"] == welcome, "the updates behind it still flow"
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in logged] == [logging.WARNING]
    assert logged[0].getMessage().startswith("webhook body refused: not a Telegram update")
    assert "Kanarie" not in caplog.text


async def _start_without_telegram(database: Database, clock: FakeClock) -> str:
    """Start the bot where Telegram cannot be reached; the error it gives up with.

    Everything it made is unreferenced on return, so a session left open shows at collection.
    """
    async with TelegramSandbox(bot_token=TOKEN) as gone:
        pass  # stopped: nothing listens at its address any more
    application = build_application(runtime_for(gone, database, clock))
    try:
        async with running(application):
            pass
    except NetworkError as error:
        return type(error).__name__
    return "started"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP, not storage
async def test_start_that_cannot_reach_telegram_closes_every_session_it_opened(
    database: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always", ResourceWarning)
        outcome = await _start_without_telegram(database, clock)
        gc.collect()
    assert outcome == "NetworkError"
    assert [str(w.message) for w in warned if w.category is ResourceWarning] == []
    assert "Unclosed" not in caplog.text
