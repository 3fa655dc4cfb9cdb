"""Benchmark: draining a queued outbox through the sandbox with its flood limits on.

    .venv/bin/python -m bench.outbound [--runs 30:28:1500 120:100:10000]

Each run is SANDBOX_LIMIT:SENDER_RATE:MESSAGES: the sandbox (in this process) enforces
SANDBOX_LIMIT messages/s overall, answering 429 above it as Telegram does; the sender runs in a
process of its own (`bench.sender_process`, as the bot would be on its own machine) configured
to SENDER_RATE/s, with its 1/s per-chat pacing on. Every message goes to a different person.
Figures: the achieved rate between the first and the last accepted message as a fraction of
SENDER_RATE (target >= 0.95) and of SANDBOX_LIMIT (at Telegram's 30/s with the default rate,
LOTGENOOT_SEND_RATE = 29: target >= 0.9), and the number of 429 answers (target 0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._study import migrated, table
from bot.clock import SystemClock
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.sender import DEFAULT_SEND_RATE
from bot.sandbox import TelegramSandbox

TOKEN = "4242:BENCH-OUTBOUND"
SENDS = ("sendMessage", "sendDocument")


@dataclass(frozen=True)
class Run:
    sandbox_limit: int
    sender_rate: float
    messages: int

    @classmethod
    def parse(cls, text: str) -> Run:
        limit, rate, messages = text.split(":")
        return cls(int(limit), float(rate), int(messages))


async def drain(run: Run, folder: Path) -> list[object]:
    database = await migrated(folder / f"outbound-{run.sandbox_limit}.db")
    async with TelegramSandbox(bot_token=TOKEN, global_limit_per_s=run.sandbox_limit) as sandbox:
        people = [sandbox.add_user(f"Person {n}") for n in range(run.messages)]
        for person in people:
            person.send("hi")
        async with database.transaction() as session:
            await enqueue_many(
                session,
                [
                    OutgoingMessage(
                        chat_id=person.id,
                        text=f"bericht {n}",
                        kind=OutboxKind.REMINDER,
                        intent_key=f"b:{n}",
                    )
                    for n, person in enumerate(people)
                ],
                SystemClock().now(),
            )
        await database.dispose()
        started = time.perf_counter()
        sender = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.sender_process",
            sandbox.api_url,
            TOKEN,
            database.url,
            "--global-per-second",
            str(run.sender_rate),
            "--private-interval-s",
            "1",
            "--deadline-s",
            str(30 + 3 * run.messages / run.sender_rate),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            await sender.communicate()
        finally:
            if sender.returncode is None:
                sender.kill()
                await sender.wait()
        wall = time.perf_counter() - started
        sends = [call for call in sandbox.world.calls if call.method in SENDS]
    accepted = sorted(call.at for call in sends if call.ok)
    refused = sum(1 for call in sends if call.http_status == 429)
    span = accepted[-1] - accepted[0]
    achieved = (len(accepted) - 1) / span if span > 0 else 0.0
    return [
        run.sandbox_limit,
        f"{run.sender_rate:g}",
        run.messages,
        len(accepted),
        f"{span:.1f}",
        f"{achieved:.1f}",
        f"{achieved / run.sender_rate:.3f}",
        f"{achieved / run.sandbox_limit:.3f}",
        refused,
        f"{wall:.1f}",
    ]


async def main(runs: list[Run]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for run in runs:
            rows.append(await drain(run, Path(folder)))
            print(f"  done: {run}", flush=True)
    print("\noutbound: sandbox limits on, sender in its own process")
    headers = [
        "sandbox/s",
        "sender/s",
        "queued",
        "delivered",
        "span s",
        "achieved/s",
        "fraction",
        "of limit",
        "429s",
        "wall s",
    ]
    print(table(headers, rows))
    print("targets: fraction >= 0.95; of limit >= 0.9 at the default rate; 429s = 0")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        nargs="+",
        type=Run.parse,
        default=[Run(30, DEFAULT_SEND_RATE, 1500), Run(120, 100, 10_000)],
    )
    asyncio.run(main(parser.parse_args().runs))
