"""`lotgenoot codes create` and `lotgenoot invite`: links an operator hands out."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from telegram import Bot

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.migrate import ensure_up_to_date
from bot.db.study import Role
from bot.services.enrollment import create_codes
from bot.services.staff import create_invite, deep_link
from bot.settings import Settings, load_settings

codes_app = typer.Typer(no_args_is_help=True, help="Enrollment codes (deep links).")

BotOption = Annotated[
    str | None,
    typer.Option("--bot", help="The bot's username; asked from Telegram when left out."),
]


async def _bot_username(settings: Settings, given: str | None) -> str:
    if given:
        return given.lstrip("@")
    token = settings.require_bot_token()
    async with Bot(token, base_url=f"{settings.telegram_api_url}/bot") as bot:
        return bot.username


@codes_app.command("create")
def create(
    site: Annotated[str, typer.Option(help="The site the codes belong to, e.g. a municipality.")],
    count: Annotated[int, typer.Option(min=1, max=10_000, help="How many codes.")] = 1,
    reusable: Annotated[bool, typer.Option(help="One code for many people.")] = False,
    bot: BotOption = None,
) -> None:
    """Print one enrollment deep link per line."""
    settings = load_settings()

    async def _create() -> list[str]:
        username = await _bot_username(settings, bot)
        database = Database(settings.database_url)
        try:
            await ensure_up_to_date(database)
            async with database.transaction() as session:
                codes = await create_codes(
                    session, site, count, reusable=reusable, now=SystemClock().now()
                )
        finally:
            await database.dispose()
        return [deep_link(username, code) for code in codes]

    for link in asyncio.run(_create()):
        typer.echo(link)


def invite(
    role: Annotated[Role, typer.Argument(help="counsellor, researcher or admin")],
    bot: BotOption = None,
) -> None:
    """Print a one-time deep link that grants a staff role."""
    settings = load_settings()

    async def _invite() -> str:
        username = await _bot_username(settings, bot)
        database = Database(settings.database_url)
        try:
            await ensure_up_to_date(database)
            async with database.transaction() as session:
                token = await create_invite(session, role, SystemClock().now())
        finally:
            await database.dispose()
        return deep_link(username, token)

    typer.echo(asyncio.run(_invite()))
