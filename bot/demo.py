"""`lotgenoot demo`: the real bot against the sandbox, with simulated people talking to it."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import typer

from bot.app import build_application, running
from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.paths import shipped_config
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.trial import Trial
from bot.settings import Settings
from experiments.protocol import load_protocol
from experiments.randomization import generate_seed

DEMO_TOKEN = "424242:LOTGENOOT-DEMO"


async def run_demo(out: Path) -> None:
    """Start sandbox and bot, let two people talk to it, print the conversation."""
    database_file = _fresh_database_file(out)
    async with TelegramSandbox(bot_token=DEMO_TOKEN) as sandbox:
        settings = Settings(
            bot_token=DEMO_TOKEN,
            telegram_api_url=sandbox.base_url,
            database_url=f"sqlite+aiosqlite:///{database_file}",
        )
        database = Database(settings.database_url)
        try:
            await upgrade(database)
            trial = Trial(load_protocol(shipped_config("pilot.toml")), generate_seed())
            application = build_application(Runtime(settings, database, SystemClock(), trial))
            async with running(application):
                sanne = sandbox.add_user("Sanne", language_code="nl")
                sam = sandbox.add_user("Sam", language_code="en")
                for person in (sanne, sam):
                    for command in ("/start", "/help"):
                        await _say(person, command)
        finally:
            await database.dispose()
        unknown = sandbox.unknown_calls
    typer.echo(f"\nThe demo database is {database_file}.")
    if unknown:
        raise SystemExit(f"the bot called Bot API methods the sandbox does not know: {unknown}")


def _fresh_database_file(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("demo.db*"):
        stale.unlink()
    return out / "demo.db"


async def _say(person: SandboxUser, words: str) -> None:
    width = shutil.get_terminal_size((100, 20)).columns
    typer.secho(f"{person.first_name:>8} › {words}", fg=typer.colors.CYAN)
    person.send(words)
    for message in await person.wait_for_messages(count=1, timeout=10.0):
        typer.echo(_as_reply(message.get("text", ""), width))
    typer.echo("")


def _as_reply(text: str, width: int) -> str:
    """The bot's words indented under a ‹ marker and wrapped to the terminal."""
    lines = [
        wrapped
        for paragraph in text.splitlines()
        for wrapped in (textwrap.wrap(paragraph, max(20, width - 12)) or [""])
    ]
    return "\n".join(("     bot ‹ " if n == 0 else " " * 11) + line for n, line in enumerate(lines))
