"""Benchmark: peak RSS of the bot process with 100,000 participants (target < 300 MB).

    .venv/bin/python -m bench.memory [--participants 100000] [--due 0.01] [--updates 200]

This process fills a SQLite database and runs the sandbox; the bot runs in a child process of
its own (`--bot`), so only the bot's memory is measured. The bot starts as `lotgenoot run` does
(build_application + running, leading, so scheduler and sender run), then runs the nudge and
group scans once at once, then handles `/deposit` from `--updates` people and answers them.
The child reports its resident set size after each stage and its peak (getrusage ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench._study import Cohort, enroll, migrated, shipped_trial, table
from bot.clock import SystemClock

if TYPE_CHECKING:
    from bot.sandbox import TelegramSandbox

TOKEN = "4242:BENCH-MEMORY"
TARGET_MB = 300


def rss_mb() -> float:
    """The resident set size now (Linux: /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def run_bot(api_url: str, database_url: str) -> None:
    """The child: the bot, driven by lines on stdin, reporting JSON lines on stdout."""
    from bot.app import build_application, running
    from bot.db.engine import Database
    from bot.logs import configure_logging
    from bot.outbox.sender import SenderSettings
    from bot.runtime import Runtime
    from bot.scheduler import scan_groups, scan_nudges
    from bot.settings import Settings

    configure_logging("ERROR")  # nudges to people not in the sandbox fail by design

    def report(stage: str, **extra: object) -> None:
        print(json.dumps({"stage": stage, "rss": rss_mb(), "peak": peak_mb(), **extra}), flush=True)

    report("imported")
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=api_url,
        database_url=database_url,
    )
    database = Database(database_url)
    runtime = Runtime(
        settings,
        database,
        SystemClock(),
        shipped_trial(),
        # the sandbox's limits are off: nudges to people who are not in it fail fast, not slowly
        sender_settings=SenderSettings(global_per_second=1000),
    )
    lines = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(lines), sys.stdin)
    async with running(build_application(runtime)):
        report("started")
        started = time.perf_counter()
        await scan_nudges(runtime)
        await scan_groups(runtime)
        report("scanned", seconds=round(time.perf_counter() - started, 1))
        await lines.readline()  # the parent says the updates were all answered
        report("answered")
    await database.dispose()
    report("stopped")


async def measure(
    participants: int, due: float, updates: int, folder: Path
) -> list[dict[str, Any]]:
    from bot.sandbox import TelegramSandbox  # not imported by the bot process, so not counted

    database = await migrated(folder / "memory.db")
    async with TelegramSandbox(bot_token=TOKEN, enforce_limits=False) as sandbox:
        people = [sandbox.add_user(f"Person {n}") for n in range(updates)]
        cohort = Cohort(
            participants,
            SystemClock().now(),
            telegram_ids=[person.id for person in people],
            due_share=due,
        )
        await enroll(database, shipped_trial(), cohort)
        await database.dispose()
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.memory",
            "--bot",
            sandbox.base_url,
            database.url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert bot.stdin is not None
        assert bot.stdout is not None
        stages: list[dict[str, Any]] = []
        try:
            while not stages or stages[-1]["stage"] != "scanned":
                stages.append(json.loads(await bot.stdout.readline()))
            for person in people:
                person.send("/deposit 12,50")
            await sandbox.wait_for(
                lambda: _answered(sandbox) >= updates, timeout=120, what="every /deposit answered"
            )
            bot.stdin.write(b"done\n")
            await bot.stdin.drain()
            while stages[-1]["stage"] != "stopped":
                stages.append(json.loads(await bot.stdout.readline()))
            await bot.wait()
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
    return stages


def _answered(sandbox: TelegramSandbox) -> int:
    return len(
        {
            call.params["chat_id"]
            for call in sandbox.world.calls
            if call.method == "sendMessage" and call.ok and call.params["chat_id"] > 0
        }
    )


async def main(participants: int, due: float, updates: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stages = await measure(participants, due, updates, Path(folder))
    print(f"\nmemory: the bot process with {participants:,} participants ({due:.0%} due)")
    rows = [
        [stage["stage"], f"{stage['rss']:.0f}", f"{stage['peak']:.0f}", stage.get("seconds", "")]
        for stage in stages
    ]
    print(table(["stage", "RSS MB", "peak MB", "scan s"], rows))
    peak = max(stage["peak"] for stage in stages)
    print(f"peak RSS {peak:.0f} MB (target < {TARGET_MB} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--due", type=float, default=0.01)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--bot", nargs=2, metavar=("API_URL", "DATABASE_URL"))
    args = parser.parse_args()
    if args.bot:
        asyncio.run(run_bot(*args.bot))
    else:
        asyncio.run(main(args.participants, args.due, args.updates))
