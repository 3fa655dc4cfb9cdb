"""Real `lotgenoot run` processes against the sandbox, for tests that kill or scale them
(the `processes` fixture in conftest stops them)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, Site
from bot.paths import shipped_config
from bot.sandbox import TelegramSandbox
from tests.e2e.conftest import TOKEN

PILOT = shipped_config("pilot.toml")
SEED = "scale-out-allocation-seed"
KEY = "scale-out-pseudonym-key"
SECRET = "scale-out-webhook-secret"


async def until(condition: Callable[[], bool], within_s: float) -> None:
    """Wait for another process to show something (its log): look every 50 ms."""
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110  (another process: nothing to await)
            await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_bot(
    sandbox: TelegramSandbox,
    database: Database,
    log: Path,
    *,
    webhook: tuple[int, int] | None = None,
) -> subprocess.Popen[bytes]:
    """`lotgenoot run` polling the sandbox, or with `webhook` (the address's port, the port it
    listens on) `lotgenoot run --webhook`; its log (stderr) goes to `log`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTGENOOT_")}
    env.update(
        LOTGENOOT_BOT_TOKEN=TOKEN,
        LOTGENOOT_TELEGRAM_API_URL=sandbox.base_url,
        LOTGENOOT_DATABASE_URL=database.url,
        LOTGENOOT_STUDY_FILE=str(PILOT),
        LOTGENOOT_ALLOCATION_SEED=SEED,
        LOTGENOOT_PSEUDONYM_KEY=KEY,
        LOTGENOOT_SCAN_INTERVAL_S="0.5",
    )
    command = [sys.executable, "-c", "from bot.cli.main import main; main()", "run"]
    if webhook is not None:
        address, port = webhook
        env.update(
            LOTGENOOT_WEBHOOK_URL=f"http://127.0.0.1:{address}/telegram",
            LOTGENOOT_WEBHOOK_SECRET=SECRET,
            LOTGENOOT_PORT=str(port),
        )
        command.append("--webhook")
    with log.open("wb") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


async def people_waiting_for_allocation(database: Database, ids: list[int]) -> None:
    """Participants at the last intake step: their weekly commitment ("10") allocates them."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=now)
        session.add(site)
        await session.flush()
        session.add_all(
            Participant(
                telegram_user_id=user_id,
                site_id=site.id,
                language="nl",
                consent_version="test",
                consented_at=now,
                step=IntakeStep.COMMITMENT,
                birth_year=2000,
                age_band="26-35",
                track="savings",
            )
            for user_id in ids
        )
