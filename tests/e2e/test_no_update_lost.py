"""kill -9 of the process handling a burst loses no command, polling or by webhook.

Every person sends their weekly commitment ("10"), which allocates them. The process taking the
burst is killed once the first answers are out; whatever Telegram had handed it (stored, not yet
handled) is handled by the process that comes next: every person is allocated, once.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.delivery import InboundUpdate
from bot.db.engine import Database
from bot.db.study import Allocation
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.participants.allocation import allocation_log
from experiments.allocation import verify
from experiments.protocol import load_protocol
from tests.conftest import ENGINES
from tests.e2e.processes import (
    PILOT,
    SEED,
    free_port,
    people_waiting_for_allocation,
    start_bot,
    until,
)

# stored updates, a standby poller and a lease: the engine decides what survives a kill
pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)

PEOPLE = 60
POLLER_LINE = "this process is now the poller"
STANDBY_LINE = "another process is the poller"


async def _burst(sandbox: TelegramSandbox, database: Database) -> list[SandboxUser]:
    people = [sandbox.add_user(f"Deelnemer {n}", language_code="nl") for n in range(PEOPLE)]
    await people_waiting_for_allocation(database, [p.id for p in people])
    for person in people:
        person.send("10")  # the weekly savings commitment: the last intake step
    return people


async def _stored_unhandled(database: Database) -> int:
    async with database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundUpdate)) or 0)


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


async def _all_allocated_once(
    sandbox: TelegramSandbox, database: Database, people: list[SandboxUser], logs: list[Path]
) -> None:
    try:
        await sandbox.wait_for(lambda: all(p.messages for p in people), timeout=90)
    except TimeoutError:
        print(sum(bool(p.messages) for p in people), [log.read_text()[-4000:] for log in logs])
        raise
    async with database.snapshot() as session:
        records = await allocation_log(session)
        positions = sorted((await session.scalars(select(Allocation.position))).all())
    protocol = load_protocol(PILOT)
    assert positions == list(range(PEOPLE)), "every command handled, none twice"
    assert (
        verify(
            records,
            SEED,
            protocol.arm_weights(),
            block_multiples=protocol.randomization.block_multiples,
        )
        == []
    )


@pytest.mark.slow
async def test_a_second_poller_stands_by_and_a_killed_pollers_burst_is_handled_in_full(
    sandbox: TelegramSandbox,
    database: Database,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    logs = [tmp_path / "poller.log", tmp_path / "standby.log"]
    processes.append(start_bot(sandbox, database, logs[0]))
    await until(lambda: POLLER_LINE in logs[0].read_text(), within_s=60)
    processes.append(start_bot(sandbox, database, logs[1]))
    await until(lambda: STANDBY_LINE in logs[1].read_text(), within_s=60)

    people = await _burst(sandbox, database)
    await sandbox.wait_for(lambda: any(p.messages for p in people), timeout=60)
    _kill(processes[0])
    answered_at_kill = sum(bool(p.messages) for p in people)
    left_stored = await _stored_unhandled(database)
    await until(lambda: POLLER_LINE in logs[1].read_text(), within_s=15)
    await _all_allocated_once(sandbox, database, people, logs)

    print(f"answered at the kill: {answered_at_kill}; stored, not handled: {left_stored}")
    assert answered_at_kill < PEOPLE, "killed during the burst"
    standby_lines = [line for line in logs[1].read_text().splitlines() if STANDBY_LINE in line]
    assert len(standby_lines) == 1, "one clear line while it waits"
    assert STANDBY_LINE not in logs[0].read_text()
    assert sandbox.unknown_calls == []


@pytest.mark.slow
async def test_a_killed_webhook_process_handles_its_burst_in_full_after_a_restart(
    sandbox: TelegramSandbox,
    database: Database,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    port = free_port()
    logs = [tmp_path / "webhook.log", tmp_path / "restarted.log"]
    processes.append(start_bot(sandbox, database, logs[0], webhook=(port, port)))
    await sandbox.wait_for(
        lambda: any(c.method == "setWebhook" and c.ok for c in sandbox.calls), timeout=60
    )

    people = await _burst(sandbox, database)
    await sandbox.wait_for(lambda: any(p.messages for p in people), timeout=60)
    _kill(processes[0])
    answered_at_kill = sum(bool(p.messages) for p in people)
    left_stored = await _stored_unhandled(database)
    processes.append(start_bot(sandbox, database, logs[1], webhook=(port, port)))
    await _all_allocated_once(sandbox, database, people, logs)

    print(f"answered at the kill: {answered_at_kill}; stored, not handled: {left_stored}")
    assert answered_at_kill < PEOPLE, "killed during the burst"
    assert sandbox.unknown_calls == []
