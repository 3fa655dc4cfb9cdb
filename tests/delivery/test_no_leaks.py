"""Secrets and people's data stay out of logs, stderr and the database when things go wrong.

A canary token, name and Telegram id are planted; a Bot API server that never answers makes
calls time out (in the outbox and in the pool), a malformed update arrives, and a database
write fails; then every log line, stderr and every column of every table are searched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select
from telegram import Bot
from telegram.error import TimedOut

import bot.db.groups
import bot.db.study  # noqa: F401  (registers the trial's tables on Base.metadata)
from bot.clock import FakeClock
from bot.db.base import Base
from bot.db.delivery import OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.engine import Database
from bot.logs import configure_logging
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.outbox.telegram_transport import TelegramTransport
from bot.telegram_request import AiohttpRequest

CANARY_TOKEN = "555:CANARYxq7Rk2Lm9Pz4Wt6Yv8Bn3Hs5Jd1Fg0Ac"
CANARY_NAME = "Canarina Kanarie"
CANARY_CHAT = 987_654_321_987


class OddBotApi:
    """A loopback Bot API that never answers, except getUpdates: one malformed update."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.url = ""

    async def updates(self, _request: web.Request) -> web.Response:
        malformed = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": CANARY_CHAT, "type": "private", "first_name": CANARY_NAME},
                "from": {"id": CANARY_CHAT, "is_bot": False, "last_name": CANARY_NAME},
                "text": f"I am {CANARY_NAME}",
            },
        }
        return web.json_response({"ok": True, "result": [malformed]})

    async def silent(self, _request: web.Request) -> web.Response:
        await self.release.wait()
        return web.Response(status=504)


@pytest_asyncio.fixture
async def odd_api() -> AsyncIterator[OddBotApi]:
    api = OddBotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/getUpdates", api.updates)
    app.router.add_route("*", "/{tail:.*}", api.silent)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    api.url = f"http://{host}:{port}"
    yield api
    api.release.set()
    await runner.cleanup()


@pytest.fixture
def bot_log(tmp_path: Path) -> Iterator[Path]:
    """Logging as the bot configures it (`lotgenoot demo` writes to this file), undone after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = []  # basicConfig only configures a root logger without handlers
    log = tmp_path / "bot.log"
    configure_logging("INFO", filename=log)
    yield log
    for handler in root.handlers:
        handler.close()
    root.handlers, root.level = saved_handlers, saved_level


async def _outbox_times_out(database: Database, clock: FakeClock, api_url: str) -> None:
    """Three replies through one pooled connection to a silent server: all time out."""
    request = AiohttpRequest(
        connection_pool_size=1,
        read_timeout=1.0,
        write_timeout=0.2,
        connect_timeout=0.2,
        pool_timeout=0.2,
    )
    await request.initialize()
    telegram_bot = Bot(
        CANARY_TOKEN, base_url=f"{api_url}/bot", request=request, get_updates_request=request
    )
    messages = [
        OutgoingMessage(
            chat_id=chat, text="hello", kind=OutboxKind.REPLY, intent_key=f"reply:{chat}"
        )
        for chat in (11, 12, 13)
    ]
    async with database.transaction() as session:
        await enqueue_many(session, messages, clock.now())
    settings = SenderSettings(max_attempts=1, private_interval_s=0.0)
    sender = OutboxSender(database, TelegramTransport(telegram_bot), clock, settings=settings)
    try:
        await sender.deliver_due()
        try:
            await telegram_bot.get_me()
        except TimedOut:
            logging.getLogger("telegram.ext.Updater").exception("polling failed")
    finally:
        await request.shutdown()


async def _malformed_update_arrives(api_url: str) -> None:
    request = AiohttpRequest()
    await request.initialize()
    # getUpdates too goes through aiohttp, as in the bot (else an httpx pool is left open)
    telegram_bot = Bot(
        CANARY_TOKEN, base_url=f"{api_url}/bot", request=request, get_updates_request=request
    )
    try:
        with pytest.raises(TypeError):
            await telegram_bot.get_updates()
    finally:
        await request.shutdown()


async def _database_write_fails(database: Database, clock: FakeClock) -> None:
    """A write that breaks a key, logged the way the bot's error handler logs a failure."""
    blocked = {"chat_id": CANARY_CHAT, "since": clock.now(), "reason": "blocked"}
    async with database.transaction() as session:
        session.add(UnreachableChat(**blocked))
    try:
        async with database.transaction() as session:
            session.add(UnreachableChat(**blocked))
    except Exception as error:
        logging.getLogger("bot.handlers.errors").error(
            "handler failed update_id=%s error=%s", 1, type(error).__name__, exc_info=error
        )
    else:
        pytest.fail("the second write should break the primary key")


async def _every_value(database: Database) -> list[Any]:
    values: list[Any] = []
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                values.extend(row)
    return values


async def test_bot_token_and_personal_data_never_reach_logs_stderr_or_tables(
    database: Database,
    clock: FakeClock,
    odd_api: OddBotApi,
    bot_log: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _outbox_times_out(database, clock, odd_api.url)
    await _malformed_update_arrives(odd_api.url)
    await _database_write_fails(database, clock)

    logged = await asyncio.to_thread(bot_log.read_text, encoding="utf-8")
    stderr = capsys.readouterr().err
    async with database.transaction() as session:
        errors = list(await session.scalars(select(OutboxMessage.last_error)))
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    stored = " ".join(str(value) for value in await _every_value(database))
    assert statuses == {OutboxStatus.FAILED}, "the replies timed out and were given up"
    assert all(error and "timeout" in error.lower() for error in errors), errors
    assert "handler failed" in logged, "the database error was logged"
    assert "Error while parsing updates" in logged, "the malformed update was logged"
    assert "CANARY" not in stored
    for canary in ("CANARY", CANARY_NAME, str(CANARY_CHAT)):
        assert canary not in logged, f"{canary} leaked into the log:\n{logged}"
        assert canary not in stderr, f"{canary} leaked into stderr:\n{stderr}"


async def test_request_errors_name_the_call_without_the_token(odd_api: OddBotApi) -> None:
    request = AiohttpRequest(connection_pool_size=1, read_timeout=1.0, pool_timeout=0.1)
    await request.initialize()
    url = f"{odd_api.url}/bot{CANARY_TOKEN}/getMe"
    try:
        results = await asyncio.gather(
            request.do_request(url, "POST", connect_timeout=0.1),
            request.do_request(url, "POST", connect_timeout=0.1),
            return_exceptions=True,
        )
    finally:
        await request.shutdown()
    texts = [str(result) for result in results]
    assert all(isinstance(result, TimedOut) for result in results), texts
    assert any("/getMe" in text for text in texts), "the pool timeout still names the call"
    assert not any("CANARY" in text for text in texts), texts
