"""Two bot processes behind one webhook address share PostgreSQL; one leads, the other takes over.

The sandbox posts updates to a small round-robin proxy (what a load balancer does), which hands
each to one of two real `lotgenoot run --webhook` processes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select, update

from bot.db.engine import Database
from bot.db.study import Allocation, IntakeStep, Participant, Site
from bot.i18n import Language
from bot.paths import shipped_config
from bot.sandbox import TelegramSandbox
from bot.services.participants.allocation import allocation_log
from experiments.audit import verify
from experiments.protocol import load_protocol
from tests.e2e.conftest import TOKEN

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

PILOT = shipped_config("pilot.toml")
SEED = "scale-out-allocation-seed"
KEY = "scale-out-pseudonym-key"
SECRET = "scale-out-webhook-secret"
PEOPLE = 100
LEADER_LINE = "this process is now the leader"


async def _until(condition: Callable[[], bool], within_s: float) -> None:
    """Wait for another process to show something (its log): look every 50 ms."""
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110  (another process: nothing to await)
            await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest_asyncio.fixture
async def proxy_port() -> AsyncIterator[tuple[int, list[int]]]:
    """A round-robin HTTP proxy; the test fills in the two bot ports it forwards to."""
    targets: list[int] = []
    turn = itertools.count()
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host"}}
        first = next(turn)
        for attempt in range(len(targets)):
            port = targets[(first + attempt) % len(targets)]
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectionError:
                continue  # that process is gone: the balancer tries the next one
        return web.Response(status=502)

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port, targets
    await runner.cleanup()
    await session.close()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
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


def _start_bot(
    sandbox: TelegramSandbox, database: Database, proxy: int, port: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTGENOOT_")}
    env.update(
        LOTGENOOT_BOT_TOKEN=TOKEN,
        LOTGENOOT_TELEGRAM_API_URL=sandbox.base_url,
        LOTGENOOT_DATABASE_URL=database.url,
        LOTGENOOT_STUDY_FILE=str(PILOT),
        LOTGENOOT_ALLOCATION_SEED=SEED,
        LOTGENOOT_PSEUDONYM_KEY=KEY,
        LOTGENOOT_WEBHOOK_URL=f"http://127.0.0.1:{proxy}/telegram",
        LOTGENOOT_WEBHOOK_SECRET=SECRET,
        LOTGENOOT_PORT=str(port),
        LOTGENOOT_SCAN_INTERVAL_S="0.5",
    )
    command = [sys.executable, "-c", "from bot.cli.main import main; main()", "run", "--webhook"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))


async def _people_waiting_for_allocation(database: Database, ids: list[int]) -> None:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=now)
        session.add(site)
        await session.flush()
        session.add_all(
            Participant(
                telegram_user_id=user_id,
                site_id=site.id,
                language="nl",
                consent_version="test",
                consented_at=now,
                step=IntakeStep.COMMITMENT,
                birth_year=2000,
                age_band="26-35",
                track="savings",
            )
            for user_id in ids
        )


async def test_two_webhook_processes_allocate_validly_and_hand_over_sending(
    sandbox: TelegramSandbox,
    database: Database,
    proxy_port: tuple[int, list[int]],
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    proxy, targets = proxy_port
    logs = [tmp_path / "bot-a.log", tmp_path / "bot-b.log"]
    for log in logs:
        port = _free_port()
        targets.append(port)
        processes.append(_start_bot(sandbox, database, proxy, port, log))
    await sandbox.wait_for(
        lambda: sum(c.method == "setWebhook" and c.ok for c in sandbox.calls) >= 2, timeout=60
    )

    people = [sandbox.add_user(f"Deelnemer {n}", language_code="nl") for n in range(PEOPLE)]
    await _people_waiting_for_allocation(database, [p.id for p in people])
    for person in people:
        person.send("10")  # the weekly savings commitment: the last intake step
    try:
        await sandbox.wait_for(lambda: all(p.messages for p in people), timeout=90)
    except TimeoutError:
        print(sum(bool(p.messages) for p in people), [log.read_text()[:6000] for log in logs])
        raise

    async with database.transaction() as session:
        records = await allocation_log(session)
        positions = sorted((await session.scalars(select(Allocation.position))).all())
    protocol = load_protocol(PILOT)
    weights, multiples = protocol.arm_weights(), protocol.randomization.block_multiples
    assert positions == list(range(PEOPLE))
    assert verify(records, SEED, weights, block_multiples=multiples) == []

    leader = next(i for i, log in enumerate(logs) if LEADER_LINE in log.read_text())
    processes[leader].send_signal(signal.SIGKILL)
    processes[leader].wait()
    killed_at = time.monotonic()
    due_soon = datetime.now(UTC) - protocol.schedule.commitment_period + timedelta(seconds=2)
    async with database.transaction() as session:
        await session.execute(update(Participant).values(period_start=due_soon))
        text_arm = len(
            (await session.scalars(select(Participant.id).where(Participant.arm == "text"))).all()
        )
    follower_log = logs[1 - leader]
    await _until(lambda: LEADER_LINE in follower_log.read_text(), within_s=15)
    took_over_after = time.monotonic() - killed_at

    marker = protocol.templates.get("reminder_savings").text(Language.NL)[:20]

    def reminded() -> Counter[int]:
        return Counter(
            m["chat"]["id"] for m in sandbox.sent_messages() if m.get("text", "").startswith(marker)
        )

    await sandbox.wait_for(lambda: sum(reminded().values()) >= text_arm, timeout=60)
    assert took_over_after < 10
    assert text_arm > 0
    assert set(reminded().values()) == {1}, "no reminder twice"
    assert len(reminded()) == text_arm, "none lost"
    assert sandbox.unknown_calls == []
