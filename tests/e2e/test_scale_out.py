"""Two bot processes behind one webhook address share PostgreSQL; one leads, the other takes over.

The sandbox posts updates to a small round-robin proxy (what a load balancer does), which hands
each to one of two real `lotgenoot run --webhook` processes.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select, update

from bot.db.engine import Database
from bot.db.study import Allocation, Participant
from bot.i18n import Language
from bot.sandbox import TelegramSandbox
from bot.services.participants.allocation import allocation_log
from experiments.allocation import verify
from experiments.protocol import load_protocol
from tests.e2e.processes import (
    PILOT,
    SEED,
    free_port,
    people_waiting_for_allocation,
    start_bot,
    until,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

PEOPLE = 100
LEADER_LINE = "this process is now the leader"


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
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port, targets
    await runner.cleanup()
    await session.close()


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
        port = free_port()
        targets.append(port)
        processes.append(start_bot(sandbox, database, log, webhook=(proxy, port)))
    await sandbox.wait_for(
        lambda: sum(c.method == "setWebhook" and c.ok for c in sandbox.calls) >= 2, timeout=60
    )

    people = [sandbox.add_user(f"Deelnemer {n}", language_code="nl") for n in range(PEOPLE)]
    await people_waiting_for_allocation(database, [p.id for p in people])
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
    await until(lambda: LEADER_LINE in follower_log.read_text(), within_s=15)
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
