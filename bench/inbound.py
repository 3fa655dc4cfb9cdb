"""Benchmark: `/deposit 12,50` from 1,000 people, Lotgenoot beside a bare echo bot.

    .venv/bin/python -m bench.inbound [--people 1000] [--paced-rate 40] [--rounds 3]
                                      [--together] [--postgres SERVER_URL]

Each bot gets a sandbox of its own and polls it from a process of its own (`bench.inbound_bot`),
as a bot runs apart from Telegram; `--together` runs it in the sandbox's process instead, where
the sandbox's work competes with the bot's. Both bots run side by side, taking turns:
  burst  every person sends /deposit at once: updates/s = people / (last reply - first send);
         `--rounds` bursts per bot, alternating between the bots, so that a spell of a busy
         (shared) machine falls on both; the ratio reported is the median of the rounds'
  paced  every person sends /deposit again, spread at --paced-rate per second: reply latency
         when the bot is not saturated
Latency is from a person's send to the bot's reply being accepted by the sandbox. "CPU ms" is
the bot process's CPU time (user + system, Linux /proc) per update during the burst: it varies
less than updates/s when the machine is shared. The echo bot
is a CommandHandler answering with `update.message.reply_text`. Lotgenoot's people are enrolled
savers (arm "text") created directly in its database, so each /deposit is recorded and answered.

The sandbox's flood limits are off: the echo bot has no limiter and would lose replies to 429s.
Lotgenoot's sender is raised from 25/s to 1000/s overall, with 200 messages in flight rather
than 50, so the figure is about handling updates, not Telegram's pace; its 1/s per-chat pacing
stays on (one reply per /deposit). Lotgenoot runs on SQLite, or with `--postgres` on a fresh
database on that server (created and dropped by the benchmark).
Target: Lotgenoot's burst updates/s >= 0.5 of the echo bot's (median of the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from telegram import Update  # noqa: TID251 - the echo bot is a bare python-telegram-bot bot
from telegram.ext import (  # noqa: TID251
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
)

from bench._study import Cohort, enroll, fresh_postgres, migrated, shipped_trial, table
from bot.app import build_application, running
from bot.clock import SystemClock
from bot.db.engine import Database
from bot.outbox.sender import SenderSettings
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.settings import Settings

TOKEN = "4242:BENCH-INBOUND"
COMMAND = "/deposit 12,50"

CpuSeconds = Callable[[], float | None]
Placement = Callable[[str, TelegramSandbox, "Setup"], AbstractAsyncContextManager[CpuSeconds]]


@dataclass(frozen=True)
class Phase:
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    answered: int
    cpu_ms_per_update: float | None


@asynccontextmanager
async def echo_running(base_url: str) -> AsyncIterator[None]:
    """The bare python-telegram-bot echo bot, polling the Bot API at `base_url`."""

    async def deposit(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("ok")

    application = ApplicationBuilder().token(TOKEN).base_url(f"{base_url}/bot").build()
    application.add_handler(CommandHandler("deposit", deposit))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()


@asynccontextmanager
async def lotgenoot_running(base_url: str, database_url: str) -> AsyncIterator[None]:
    """Lotgenoot as `lotgenoot run` builds it, its sender raised to 1000/s overall."""
    database = Database(database_url)
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=base_url,
        database_url=database_url,
    )
    runtime = Runtime(
        settings,
        database,
        SystemClock(),
        shipped_trial(),
        sender_settings=SenderSettings(global_per_second=1000, batch_size=200),
    )
    try:
        async with running(build_application(runtime)):
            yield
    finally:
        await database.dispose()


@asynccontextmanager
async def enrolled_savers(
    folder: Path, people: list[SandboxUser], postgres: str | None
) -> AsyncIterator[str]:
    """A database where every one of `people` is an enrolled saver in the text arm: SQLite in
    `folder`, or a fresh database on the PostgreSQL server at `postgres`."""
    async with AsyncExitStack() as stack:
        if postgres is None:
            database = await migrated(folder / f"inbound-{len(people)}.db")
            stack.push_async_callback(database.dispose)
        else:
            database = await stack.enter_async_context(fresh_postgres(postgres))
        ids = [person.id for person in people]
        cohort = Cohort(len(people), SystemClock().now(), telegram_ids=ids)
        await enroll(database, shipped_trial(), cohort)
        yield database.url


@dataclass(frozen=True)
class Setup:
    people: list[SandboxUser]
    folder: Path
    postgres: str | None


@asynccontextmanager
async def in_this_process(
    kind: str, sandbox: TelegramSandbox, setup: Setup
) -> AsyncIterator[CpuSeconds]:
    """The bot in the sandbox's process; its CPU time cannot be told apart from the sandbox's."""
    if kind == "echo":
        async with echo_running(sandbox.base_url):
            yield lambda: None
        return
    async with (
        enrolled_savers(setup.folder, setup.people, setup.postgres) as url,
        lotgenoot_running(sandbox.base_url, url),
    ):
        yield lambda: None


@asynccontextmanager
async def in_a_child_process(
    kind: str, sandbox: TelegramSandbox, setup: Setup
) -> AsyncIterator[CpuSeconds]:
    """The bot in a process of its own (`bench.inbound_bot`), as it would run apart from
    Telegram; ready once it has called getUpdates."""
    async with AsyncExitStack() as stack:
        arguments = [kind, sandbox.base_url]
        if kind == "lotgenoot":
            url = await stack.enter_async_context(
                enrolled_savers(setup.folder, setup.people, setup.postgres)
            )
            arguments.append(url)
        async with _child(sandbox, arguments) as cpu_seconds:
            yield cpu_seconds


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    user, system = int(fields[11]), int(fields[12])  # utime, stime: fields 14, 15 of stat(5)
    return (user + system) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def _child(sandbox: TelegramSandbox, arguments: list[str]) -> AsyncIterator[CpuSeconds]:
    polled = len([call for call in sandbox.world.calls if call.method == "getUpdates"])
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.inbound_bot", *arguments
    )
    try:
        await sandbox.wait_for(
            lambda: len([c for c in sandbox.world.calls if c.method == "getUpdates"]) > polled,
            timeout=60,
            what="the bot to start polling",
        )
        yield partial(_cpu_seconds, child.pid)
    finally:
        child.terminate()
        await child.wait()


class Replies:
    """First accepted reply to each chat after a point in the sandbox's call log."""

    def __init__(self, sandbox: TelegramSandbox) -> None:
        self._calls = sandbox.world.calls
        self._seen = len(self._calls)
        self.first: dict[int, float] = {}

    def count(self) -> int:
        new = self._calls[self._seen :]
        self._seen += len(new)
        for call in new:
            if call.method == "sendMessage" and call.ok:
                self.first.setdefault(int(call.params["chat_id"]), call.at)
        return len(self.first)


async def phase(
    sandbox: TelegramSandbox, people: list[SandboxUser], rate: float | None, cpu: CpuSeconds
) -> Phase:
    """Everyone sends COMMAND (at once, or `rate` per second); wait for every first reply."""
    replies = Replies(sandbox)
    cpu_before = cpu()
    sent: dict[int, float] = {}
    started = time.monotonic()
    for n, person in enumerate(people):
        if rate is not None:
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        sent[person.id] = time.monotonic()
        person.send(COMMAND)
    await sandbox.wait_for(
        lambda: replies.count() >= len(people), timeout=600, what="a reply to everyone"
    )
    cpu_after = cpu()
    latencies = sorted((replies.first[chat] - at) * 1000 for chat, at in sent.items())
    span = max(replies.first.values()) - min(sent.values())
    return Phase(
        updates_per_s=len(people) / span,
        p50_ms=statistics.median(latencies),
        p99_ms=latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        answered=len(replies.first),
        cpu_ms_per_update=(
            None
            if cpu_before is None or cpu_after is None
            else (cpu_after - cpu_before) * 1000 / len(people)
        ),
    )


@dataclass(frozen=True)
class RunningBot:
    name: str
    sandbox: TelegramSandbox
    people: list[SandboxUser]
    cpu: CpuSeconds


@asynccontextmanager
async def bot_on_a_sandbox(
    kind: str, placement: Placement, people_count: int, where: Setup
) -> AsyncIterator[RunningBot]:
    """A sandbox of its own with `people_count` people, and the bot polling it."""
    name = "echo bot" if kind == "echo" else "lotgenoot"
    async with TelegramSandbox(bot_token=TOKEN, enforce_limits=False) as sandbox:
        people = [sandbox.add_user(f"Person {n}") for n in range(people_count)]
        async with placement(kind, sandbox, Setup(people, where.folder, where.postgres)) as cpu:
            yield RunningBot(name, sandbox, people, cpu)


def _row(name: str, what: str, result: Phase) -> list[object]:
    cpu = "-" if result.cpu_ms_per_update is None else f"{result.cpu_ms_per_update:.2f}"
    return [
        name,
        what,
        result.answered,
        f"{result.updates_per_s:.1f}",
        f"{result.p50_ms:.0f}",
        f"{result.p99_ms:.0f}",
        cpu,
    ]


async def main(people: int, rate: float, rounds: int, together: bool, postgres: str | None) -> None:
    """Bursts alternate between the bots, round after round, so that a spell of a busy machine
    falls on both; the ratio is the median of each round's."""
    placement = in_this_process if together else in_a_child_process
    with tempfile.TemporaryDirectory() as folder:
        setup = Setup([], Path(folder), postgres)
        async with (
            bot_on_a_sandbox("echo", placement, people, setup) as echo,
            bot_on_a_sandbox("lotgenoot", placement, people, setup) as ours,
        ):
            bursts: dict[str, list[Phase]] = {echo.name: [], ours.name: []}
            for n in range(rounds):
                for bot in (echo, ours):
                    bursts[bot.name].append(await phase(bot.sandbox, bot.people, None, bot.cpu))
                print(f"  done: burst round {n + 1} of {rounds}", flush=True)
            paced = {
                bot.name: await phase(bot.sandbox, bot.people, rate, bot.cpu)
                for bot in (echo, ours)
            }
    rows = [
        _row(bot, f"burst {n + 1}", result)
        for bot in (echo.name, ours.name)
        for n, result in enumerate(bursts[bot])
    ] + [_row(bot, f"paced {rate:g}/s", paced[bot]) for bot in (echo.name, ours.name)]
    where = "in the sandbox's process" if together else "each in a process of its own"
    engine = "PostgreSQL" if postgres else "SQLite"
    print(f"\ninbound: {COMMAND} from {people:,} people over the sandbox (limits off)")
    print(f"bots {where}; Lotgenoot on {engine}")
    print(table(["bot", "phase", "answered", "updates/s", "p50 ms", "p99 ms", "CPU ms"], rows))
    ratios = [
        ours_burst.updates_per_s / echo_burst.updates_per_s
        for echo_burst, ours_burst in zip(bursts[echo.name], bursts[ours.name], strict=True)
    ]
    each = " ".join(f"{ratio:.2f}" for ratio in ratios)
    print(
        f"lotgenoot / echo bot, burst updates/s by round: {each}; "
        f"median {statistics.median(ratios):.2f} (target >= 0.5)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--paced-rate", type=float, default=40.0)
    parser.add_argument("--rounds", type=int, default=3, help="bursts per bot, alternating")
    parser.add_argument(
        "--together",
        action="store_true",
        help="run each bot in the sandbox's process rather than a process of its own",
    )
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="run Lotgenoot on a fresh database on this PostgreSQL server instead of SQLite, "
        "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    asyncio.run(main(args.people, args.paced_rate, args.rounds, args.together, args.postgres))
