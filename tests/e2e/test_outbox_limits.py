"""The outbox sender against the sandbox's real flood control."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import select

from bot.app import build_application, running
from bot.clock import FakeClock
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.handlers.context import LotgenootApplication
from bot.outbox import OutboxKind, OutgoingMessage
from bot.runtime import Runtime
from bot.sandbox import TelegramSandbox
from tests.e2e.conftest import runtime_for

TELEGRAM_PER_SECOND = 30  # Telegram's ordinary overall limit, which the other e2e tests raise


@pytest_asyncio.fixture
async def unthrottled_bot(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> AsyncIterator[LotgenootApplication]:
    """A bot whose own limiter would allow 1000/s, so only Telegram's 429 holds it back."""
    sandbox.limits.global_limit_per_s = TELEGRAM_PER_SECOND
    runtime = runtime_for(sandbox, database, clock, global_per_second=1000.0)
    application = build_application(runtime)
    async with running(application):
        yield application


async def test_sender_waits_out_429_and_delivers_all_40_once(
    sandbox: TelegramSandbox, unthrottled_bot: LotgenootApplication, database: Database
) -> None:
    people = [sandbox.add_user(f"Person {n}", language_code="nl") for n in range(40)]
    for person in people:
        person.send("hallo")
    runtime: Runtime = unthrottled_bot.bot_data["runtime"]

    await runtime.send(
        *(
            OutgoingMessage(
                chat_id=p.id, text=f"bericht {n}", kind=OutboxKind.REMINDER, intent_key=f"t:{n}"
            )
            for n, p in enumerate(people)
        )
    )
    assert runtime.sender is not None
    # each person's "hallo" got a welcome too: 80 messages in all
    await runtime.sender.wait_for(lambda stats: stats.sent >= 80, within_s=15.0)

    rejected = [c for c in sandbox.calls if c.method == "sendMessage" and c.http_status == 429]
    assert rejected, "40 messages in one second must trip the sandbox's 30/s limit"
    assert all(c.response["parameters"]["retry_after"] >= 1 for c in rejected)
    ours = [m for m in sandbox.sent_messages() if m["text"].startswith("bericht")]
    per_chat = Counter(m["chat"]["id"] for m in ours)
    assert per_chat == Counter({p.id: 1 for p in people})
    async with database.transaction() as session:
        states = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert states == [OutboxStatus.SENT] * 80
    assert sandbox.unknown_calls == []
