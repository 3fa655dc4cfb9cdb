"""The sender against the sandbox's faults and flood control, over real HTTP."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.engine import Database
from bot.outbox.sender import SenderSettings
from bot.sandbox import TelegramSandbox
from tests.delivery.conftest import (
    TOKEN,
    attempts_to,
    deliveries_per_chat,
    nudge,
    people_who_wrote,
    put,
    running_sender,
    status_counts,
)

QUICK_RETRIES = SenderSettings(
    global_per_second=200, private_interval_s=0, backoff_base_s=0.01, backoff_max_s=0.05
)


# one engine: at 2,000 messages this is the slowest test; the small ones below run on both
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_2000_nudges_through_5xx_and_429_arrive_exactly_once(
    database: Database, clock: FakeClock
) -> None:
    # Telegram's 30/s would make this an 80-second test, so the sandbox's limit is scaled up
    # (400/s) and the sender is let loose at 600/s. In one process the sender cannot reach
    # 400/s, so flood control is provoked by tightening the limit to 20/s at the start (as
    # Telegram does to a bot it thinks floods) and relaxing it once the sender has met it.
    async with TelegramSandbox(
        bot_token=TOKEN, server_error_rate=0.1, global_limit_per_s=20
    ) as sandbox:
        people = people_who_wrote(sandbox, 2000)
        await put(database, clock, [nudge(person, 1) for person in people])
        settings = SenderSettings(
            global_per_second=600,
            private_interval_s=0,
            backoff_base_s=0.05,
            backoff_max_s=0.5,
            max_attempts=8,  # 0.1**8 per message: no message may fail by bad luck
        )
        async with running_sender(sandbox, database, clock, settings) as sender:
            await sender.wait_for(lambda stats: stats.rate_limited >= 3, within_s=10)
            sandbox.limits.global_limit_per_s = 400
            await sender.wait_for(lambda stats: stats.sent >= 2000, within_s=45)

        assert deliveries_per_chat(sandbox) == Counter({person.id: 1 for person in people})
        assert await status_counts(database) == Counter({OutboxStatus.SENT: 2000})
        answers = Counter(call.http_status for call in sandbox.world.calls)
        assert answers[500] + answers[502] > 0
        assert sender.stats.rate_limited == answers[429]
        assert sender.stats.retried > 0
        assert sandbox.internal_errors == []


async def test_blocked_person_gets_no_further_attempt(database: Database, clock: FakeClock) -> None:
    async with TelegramSandbox(bot_token=TOKEN) as sandbox:
        blocker, other = people_who_wrote(sandbox, 2)
        blocker.block()
        first = [nudge(blocker, n, participant_id=7) for n in range(3)]
        await put(database, clock, [*first, nudge(other, 0)])
        async with running_sender(sandbox, database, clock, QUICK_RETRIES) as sender:
            await sender.settle()
            await put(database, clock, [nudge(blocker, 3, participant_id=7)])
            await sender.settle()

        assert attempts_to(sandbox, blocker.id) == 1
        assert deliveries_per_chat(sandbox) == Counter({other.id: 1})
        async with database.transaction() as session:
            rows = await session.execute(
                select(OutboxMessage.status, OutboxMessage.last_error).where(
                    OutboxMessage.participant_id == 7
                )
            )
            states = Counter(status for status, _error in rows)
            blocked = await session.scalar(select(UnreachableChat.chat_id))
        assert states == Counter({OutboxStatus.FAILED: 1, OutboxStatus.CANCELLED: 3})
        assert blocked == blocker.id


async def test_endless_5xx_ends_failed_with_reason_after_max_attempts(
    database: Database, clock: FakeClock
) -> None:
    async with TelegramSandbox(bot_token=TOKEN, server_error_rate=1.0) as sandbox:
        (person,) = people_who_wrote(sandbox, 1)
        await put(database, clock, [nudge(person, 0)])
        async with running_sender(sandbox, database, clock, QUICK_RETRIES) as sender:
            await sender.settle()

        async with database.transaction() as session:
            row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.status is OutboxStatus.FAILED
        assert row.attempts == QUICK_RETRIES.max_attempts
        assert row.last_error is not None
        assert row.last_error.startswith("gave up: ")
        assert ("Internal Server Error" in row.last_error) or ("Bad Gateway" in row.last_error)
        assert attempts_to(sandbox, person.id) == QUICK_RETRIES.max_attempts
        assert sender.stats.failed == Counter({"gave up": 1})
