"""Helpers for driving the outbox sender against the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from telegram import Bot

from bot.clock import Clock
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.outbox.telegram_transport import TelegramTransport
from bot.sandbox import SandboxUser, TelegramSandbox

TOKEN = "4242:DELIVERY-TOKEN"
SEND_METHODS = ("sendMessage", "sendDocument")


def people_who_wrote(sandbox: TelegramSandbox, count: int) -> list[SandboxUser]:
    """Users who wrote to the bot once, so Telegram lets the bot write back."""
    people = [sandbox.add_user(f"Person {n}") for n in range(count)]
    for person in people:
        person.send("hi")
    return people


def nudge(person: SandboxUser, n: int, *, participant_id: int | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=person.id,
        text=f"nudge {n}",
        kind=OutboxKind.REMINDER,
        intent_key=f"reminder:{person.id}:{n}",
        participant_id=participant_id,
    )


async def put(database: Database, clock: Clock, messages: Sequence[OutgoingMessage]) -> int:
    async with database.transaction() as session:
        return await enqueue_many(session, messages, clock.now())


async def status_counts(database: Database) -> Counter[OutboxStatus]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return Counter({status: count for status, count in rows})


def deliveries_per_chat(sandbox: TelegramSandbox) -> Counter[int]:
    """How many messages each chat received (accepted sends only)."""
    return Counter(
        int(call.params["chat_id"])
        for call in sandbox.world.calls
        if call.method in SEND_METHODS and call.ok
    )


class SendCounter:
    """Counts accepted sends incrementally, so waiting on it stays cheap over thousands of calls."""

    def __init__(self, sandbox: TelegramSandbox) -> None:
        self._calls = sandbox.world.calls
        self._seen = 0
        self._count = 0

    def count(self) -> int:
        new = self._calls[self._seen :]
        self._seen += len(new)
        self._count += sum(1 for call in new if call.method in SEND_METHODS and call.ok)
        return self._count


def attempts_to(sandbox: TelegramSandbox, chat_id: int) -> int:
    """Every send the bot tried to `chat_id`, whatever the answer."""
    return sum(
        1
        for call in sandbox.world.calls
        if call.method in SEND_METHODS and call.params.get("chat_id") == chat_id
    )


@asynccontextmanager
async def running_sender(
    sandbox: TelegramSandbox, database: Database, clock: Clock, settings: SenderSettings
) -> AsyncIterator[OutboxSender]:
    """An OutboxSender speaking HTTP to the sandbox through python-telegram-bot, running.

    The bot's getMe at start-up is spared the sandbox's injected faults: these tests are about
    the sender, not about python-telegram-bot's initialisation.
    """
    faults, sandbox.server_error_rate = sandbox.server_error_rate, 0.0
    bot = Bot(sandbox.bot_token, base_url=sandbox.api_url)
    await bot.initialize()
    sandbox.server_error_rate = faults
    async with bot:
        sender = OutboxSender(database, TelegramTransport(bot), clock, settings=settings)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        try:
            yield sender
        finally:
            stop.set()
            await task
