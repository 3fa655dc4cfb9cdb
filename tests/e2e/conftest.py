"""The real bot, polling the sandbox over HTTP, on a migrated database."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.engine import Database
from bot.handlers.context import LotgenootApplication
from bot.outbox.sender import SenderSettings
from bot.runtime import Runtime
from bot.sandbox import TelegramSandbox
from bot.services.flood import FloodGate
from bot.services.trial import Trial
from bot.settings import Settings
from tests.conftest import database_on
from tests.experiments.shipped import shipped_protocol

TOKEN = "4242:E2E-TOKEN"
# The journeys play a bot that Telegram allows 1,000 messages a second (paid broadcasts), so
# that a test does not wait out 30/s between the many messages of an intake; the sandbox holds
# the bot to that overall limit and to 20 a minute per group. The tests of pacing at Telegram's
# ordinary 30/s set it themselves (test_outbox_limits, tests/delivery, bench).
ALLOWED_PER_SECOND = 1000
PACING: dict[str, object] = {
    # the sandbox does not enforce 1/s per private chat: tests need not wait it out
    "private_interval_s": 0.0,
    "global_per_second": float(ALLOWED_PER_SECOND),
    # The sender's few milliseconds of batching (claims, recorded outcomes) pay off under a
    # burst; a journey is a chain of single messages, each of which would wait them out.
    # tests/delivery and the benchmarks run the sender with them.
    "claim_gap_s": 0.0,
    "record_window_s": 0.0,
}


@pytest_asyncio.fixture(params=["sqlite"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A journey runs on SQLite. What it reaches in the database is tested on both engines at
    the service layer (tests/services, tests/groups, tests/research, tests/unit); running every
    journey twice doubled their cost (SPEC §11.7: rules at the service layer, a journey per
    issue). A journey whose outcome depends on the engine
    (several processes, locks, a handover, stored updates) runs on both:
    `pytest.mark.parametrize("database_url", ENGINES, indirect=True)`."""
    async for url in database_on(request, tmp_path):
        yield url


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TelegramSandbox]:
    async with TelegramSandbox(bot_token=TOKEN, global_limit_per_s=ALLOWED_PER_SECOND) as server:
        yield server
        assert server.internal_errors == [], "the sandbox produced something Telegram would not"


def runtime_for(
    sandbox: TelegramSandbox,
    database: Database,
    clock: FakeClock,
    *,
    flood: FloodGate | None = None,
    **sender: object,
) -> Runtime:
    """The bot's runtime on the shipped protocol. The journeys' clock stands still, so all of a
    person's messages arrive in one "minute": only tests of the limit per person pass `flood`."""
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=sandbox.base_url,
        database_url=database.url,
    )
    trial = Trial(
        protocol=shipped_protocol(),
        allocation_seed="e2e-seed",
        pseudonym_key="e2e-pseudonym-key",
    )
    return Runtime(
        settings,
        database,
        clock,
        trial,
        sender_settings=SenderSettings(**{**PACING, **sender}),  # type: ignore[arg-type]
        flood=flood,
    )


@pytest_asyncio.fixture
async def bot(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> AsyncIterator[LotgenootApplication]:
    application = build_application(runtime_for(sandbox, database, clock))
    async with running(application):
        yield application


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Bot processes a test starts (tests.e2e.processes); stopped, or killed, when it ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
