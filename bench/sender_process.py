"""The outbox sender in a process of its own: for benchmarks, and for the crash test to kill.

    python -m bench.sender_process API_URL TOKEN DATABASE_URL [options]

It delivers the outbox through the Bot API at API_URL (python-telegram-bot's base_url, e.g. a
sandbox's `api_url`) until nothing due is left unfinished, or until it is killed, then prints
its counters as one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import asdict
from datetime import timedelta
from functools import partial

from telegram import Bot  # noqa: TID251 - this process is the bot's sending side
from telegram.error import NetworkError  # noqa: TID251

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.outbox import store
from bot.outbox.sender import DEFAULT_SEND_RATE, OutboxSender, SenderSettings, SenderStats
from bot.outbox.telegram_transport import TelegramTransport
from bot.telegram_request import AiohttpRequest


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("api_url")
    parser.add_argument("token")
    parser.add_argument("database_url")
    parser.add_argument("--global-per-second", type=float, default=DEFAULT_SEND_RATE)
    parser.add_argument("--lease-s", type=float, default=None, help="default: the sender's")
    parser.add_argument("--max-attempts", type=int, default=6)
    parser.add_argument("--backoff-base-s", type=float, default=0.5)
    parser.add_argument("--backoff-max-s", type=float, default=30.0)
    parser.add_argument("--private-interval-s", type=float, default=0.0)
    parser.add_argument(
        "--deadline-s", type=float, default=None, help="give up (exit 3) after this long"
    )
    return parser.parse_args(argv)


async def started_bot(api_url: str, token: str) -> Bot:
    """A bot past getMe, which the sandbox may fail like any other call."""
    bot = Bot(token, base_url=api_url, request=AiohttpRequest())  # as bot.app makes it
    for _ in range(20):
        with contextlib.suppress(NetworkError):
            await bot.initialize()
            return bot
    raise RuntimeError("getMe kept failing")


async def nothing_left(database: Database, clock: SystemClock) -> bool:
    async with database.transaction() as session:
        return await store.unfinished(session, now=clock.now()) == 0


def ended(stats: SenderStats) -> int:
    return stats.sent + sum(stats.failed.values())


def _ended_more_than(count: int, stats: SenderStats) -> bool:
    return ended(stats) > count


async def main(argv: list[str]) -> None:
    args = parse(argv)
    settings = SenderSettings(
        global_per_second=args.global_per_second,
        private_interval_s=args.private_interval_s,
        lease=SenderSettings.lease if args.lease_s is None else timedelta(seconds=args.lease_s),
        max_attempts=args.max_attempts,
        backoff_base_s=args.backoff_base_s,
        backoff_max_s=args.backoff_max_s,
    )
    database = Database(args.database_url)
    clock = SystemClock()
    bot = await started_bot(args.api_url, args.token)
    sender = OutboxSender(database, TelegramTransport(bot), clock, settings=settings)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    while not await nothing_left(database, clock):
        # woken by progress; the timeout covers rows another process holds, until their lease ends
        with contextlib.suppress(TimeoutError):
            await sender.wait_for(partial(_ended_more_than, ended(sender.stats)), within_s=0.5)
    stop.set()
    await running
    await bot.shutdown()
    await database.dispose()
    print(json.dumps(asdict(sender.stats)), flush=True)


async def within_deadline(argv: list[str]) -> None:
    """main(), but an orphan (its test or benchmark gone) does not deliver forever."""
    deadline = parse(argv).deadline_s
    try:
        async with asyncio.timeout(deadline):
            await main(argv)
    except TimeoutError:
        print(f"sender_process: gave up after {deadline} s", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    asyncio.run(within_deadline(sys.argv[1:]))
