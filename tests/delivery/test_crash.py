"""SIGKILL the sending process mid-broadcast, start another: nothing lost, little repeated."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.models import OutboxMessage, OutboxStatus
from bot.sandbox import TelegramSandbox
from tests.delivery.conftest import (
    TOKEN,
    SendCounter,
    deliveries_per_chat,
    nudge,
    people_who_wrote,
    put,
    status_counts,
)

MESSAGES = 2000
LEASE_S = 2.0  # short, so the second process may retry what the first left in flight

# Measured (2 cores shared with other work, sender at ~150/s against the sandbox): 22-33 rows in
# flight at the kill, 11-21 of them already delivered, so delivered twice after the restart.
# Those are rows Telegram accepted whose `sent` was not yet committed; the Bot API has no
# idempotency key, so they cannot be told from rows never sent. Against Telegram's 25/s and its
# round-trip times the window holds a message or two.


async def start_sender(sandbox: TelegramSandbox, database: Database) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.sender_process",
        sandbox.api_url,
        TOKEN,
        database.url,
        "--global-per-second",
        "300",
        "--lease-s",
        str(LEASE_S),
        "--deadline-s",
        "90",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def in_flight(database: Database) -> int:
    async with database.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
        )
    return int(count or 0)


# SQLite, the engine every CI run has; tests/e2e/test_scale_out.py kills a leader on PostgreSQL
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_killed_sender_loses_nothing_and_repeats_at_most_what_was_in_flight(
    database: Database,
) -> None:
    # the sandbox's limit is scaled up from Telegram's 30/s so 2,000 messages take seconds
    async with TelegramSandbox(bot_token=TOKEN, global_limit_per_s=400) as sandbox:
        people = people_who_wrote(sandbox, MESSAGES)
        await put(database, SystemClock(), [nudge(person, 1) for person in people])
        delivered = SendCounter(sandbox)

        first = await start_sender(sandbox, database)
        try:
            await sandbox.wait_for(lambda: delivered.count() >= 300, timeout=30, what="300 sent")
        finally:
            if first.returncode is None:
                first.send_signal(signal.SIGKILL)
            await first.wait()
        unrecorded = await in_flight(database)

        second = await start_sender(sandbox, database)
        try:
            _out, err = await asyncio.wait_for(second.communicate(), timeout=60)
        finally:
            if second.returncode is None:
                second.kill()
                await second.wait()
        assert second.returncode == 0, err.decode()

        per_chat = deliveries_per_chat(sandbox)
        duplicates = sum(count - 1 for count in per_chat.values())
        print(f"in flight at the kill: {unrecorded}; delivered twice: {duplicates}")
        assert set(per_chat) == {person.id for person in people}
        assert duplicates <= unrecorded
        assert await status_counts(database) == Counter({OutboxStatus.SENT: MESSAGES})
