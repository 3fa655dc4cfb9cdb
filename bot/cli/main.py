"""The `lotgenoot` command line."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot import __version__
from bot.cli.admin import codes_app, invite, invites_app, staff_app
from bot.cli.linkage import LinkageError, linkage_app
from bot.cli.research import ResearchError, export, report
from bot.cli.status import status
from bot.cli.study import StudyError, power, study_app
from bot.db.engine import Database
from bot.db.migrate import DatabaseBehind, ensure_up_to_date, upgrade
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.app import Webhook

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Lotgenoot: peer-support interventions on work and income over Telegram, as a trial.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(study_app, name="study")
app.add_typer(codes_app, name="codes")
app.add_typer(invites_app, name="invites")
app.add_typer(staff_app, name="staff")
app.add_typer(linkage_app, name="linkage")
app.command("power")(power)
app.command("export")(export)
app.command("report")(report)
app.command("status")(status)
app.command("invite")(invite)


class UserFacingError(Exception):
    """A failure we can explain in one line; main() prints it without a traceback."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lotgenoot {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Lotgenoot's command line."""


@app.command()
def run(
    webhook: Annotated[
        bool, typer.Option("--webhook", help="Take updates by webhook (production, behind HTTPS).")
    ] = False,
) -> None:
    """Run the bot against Telegram (long polling, or a webhook with --webhook)."""
    # The bot's modules (python-telegram-bot, the handlers) load only for the commands that
    # run it: the research and admin commands start in a fraction of the time and memory.
    from bot.runtime import trial_from_settings

    settings = load_settings()
    settings.require_bot_token()
    trial_from_settings(settings)
    hook = _webhook(settings) if webhook else None
    configure_logging(settings.log_level)
    asyncio.run(_serve(settings, hook))


def _webhook(settings: Settings) -> Webhook:
    from bot.app import Webhook

    if not settings.webhook_url:
        raise SettingsError(
            "LOTGENOOT_WEBHOOK_URL is not set: set it to the public HTTPS address Telegram "
            "should post to, or run without --webhook"
        )
    if settings.webhook_secret is None or not settings.webhook_secret.get_secret_value():
        raise SettingsError(
            "LOTGENOOT_WEBHOOK_SECRET is not set: set it to a random string (A-Z, a-z, 0-9, _ "
            "and -) so the bot can tell Telegram's requests from anyone else's"
        )
    return Webhook(
        url=settings.webhook_url,
        secret=settings.webhook_secret.get_secret_value(),
        port=settings.port,
    )


async def _serve(settings: Settings, webhook: Webhook | None) -> None:
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application, running
    from bot.clock import SystemClock
    from bot.outbox.sender import SenderSettings
    from bot.runtime import Runtime, trial_from_settings

    database = Database(settings.database_url)
    try:
        await ensure_up_to_date(database)
        runtime = Runtime(
            settings,
            database,
            SystemClock(),
            trial_from_settings(settings),
            scan_interval=timedelta(seconds=settings.scan_interval_s),
            sender_settings=SenderSettings(global_per_second=settings.send_rate),
        )
        application = build_application(runtime)
        try:
            async with running(application, webhook=webhook):
                typer.echo("Lotgenoot is running; Ctrl+C stops it.", err=True)
                await _until_interrupted()
        except InvalidToken:
            raise UserFacingError(
                "Telegram rejected LOTGENOOT_BOT_TOKEN: copy the token from @BotFather again"
            ) from None
        except NetworkError as exc:
            raise UserFacingError(
                f"cannot reach the Bot API at {settings.telegram_api_url} ({exc.message}): "
                "check LOTGENOOT_TELEGRAM_API_URL and the network"
            ) from None
    finally:
        await database.dispose()


async def _until_interrupted() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (creates it on first use)."""
    settings = load_settings()

    async def _upgrade() -> None:
        database = Database(settings.database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(_upgrade())
    typer.echo("database is up to date")


@app.command()
def demo(
    participants: Annotated[int, typer.Option(min=3, max=2000, help="Simulated people.")] = 100,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Simulated weeks.")] = 13,
    seed: Annotated[int, typer.Option(help="Same seed, same study.")] = 1,
    effect: Annotated[
        float, typer.Option(help="Treatment effects relative to the defaults (0 = none).")
    ] = 1.0,
    out: Annotated[Path, typer.Option(help="Where the export and report go.")] = Path(
        "demo-output"
    ),
    protocol: Annotated[
        Path | None,
        typer.Option(help="The protocol to simulate, e.g. config/mrt.toml (micro-randomized)."),
    ] = None,
    follow_up_weeks: Annotated[
        int,
        typer.Option(
            min=0,
            max=52,
            help="Weeks simulated after each person's intervention ends (a follow-up phase; "
            "config/long-term.toml unless --protocol). Longer than the default demo.",
        ),
    ] = 0,
) -> None:
    """Simulate a whole study: the real bot, the built-in Telegram sandbox, simulated people."""
    from bot.demo import DemoOptions, Effects, run_demo

    configure_logging("INFO", filename=out / "demo.log")
    options = DemoOptions(
        participants=participants,
        weeks=weeks,
        seed=seed,
        out=out,
        effects=Effects().scaled(effect),
        protocol=protocol,
        follow_up_weeks=follow_up_weeks,
    )
    if protocol is not None:
        from experiments.protocol import load_protocol

        load_protocol(protocol)  # a problem in the file is reported before anything starts
    result = asyncio.run(run_demo(options))
    if result.unknown_calls or result.duplicate_nudges:
        raise UserFacingError(
            f"the demo saw {result.unknown_calls} unknown Bot API calls and "
            f"{result.duplicate_nudges} messages delivered twice"
        )


def main() -> None:
    """Entry point: one line and a non-zero exit for problems a person can fix."""
    try:
        app()
    except (
        SettingsError,
        DatabaseBehind,
        UserFacingError,
        StudyError,
        ResearchError,
        LinkageError,
    ) as exc:
        typer.echo(f"lotgenoot: {exc}", err=True)
        sys.exit(2)
