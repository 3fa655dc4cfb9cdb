"""`lotgenoot codes create|revoke`, `lotgenoot invite`, `lotgenoot invites revoke` and
`lotgenoot staff remove`: links an operator hands out, and taking them (and rights) back."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.migrate import ensure_up_to_date
from bot.db.study import Role
from bot.i18n import Language
from bot.services.directory import (
    DEFAULT_INVITE_LIFETIME,
    create_invite,
    deep_link,
    remove_staff,
    revoke_invites,
)
from bot.services.participants.enrollment import create_codes, revoke_codes
from bot.services.peer_groups.ownership import ChatOwner, chats_of, handover_notes
from bot.settings import Settings, SettingsError, load_settings

codes_app = typer.Typer(no_args_is_help=True, help="Enrollment codes (deep links).")
invites_app = typer.Typer(no_args_is_help=True, help="Staff invites (one-time deep links).")
staff_app = typer.Typer(no_args_is_help=True, help="Staff members and their roles.")

T = TypeVar("T")
_DURATION = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_expiry(value: str | None) -> timedelta | None:
    """ "30d", "12h", "90m" as a duration; "never" as None. Anything else is a usage error."""
    if value is None or value.strip().lower() == "never":
        return None
    found = _DURATION.fullmatch(value.strip().lower())
    if found is None or int(found.group(1)) == 0:
        raise typer.BadParameter(
            f"{value!r} is not a duration: use e.g. 30d (days), 12h (hours), 90m or never"
        )
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def _payload(link_or_code: str) -> str:
    """The code or token itself, also when the whole deep link was pasted."""
    return link_or_code.strip().rsplit("start=", 1)[-1]


def in_database(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Run `work(session)` in one transaction on the up-to-date database."""

    async def _main() -> T:
        database = Database(settings.database_url)
        try:
            await ensure_up_to_date(database)
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(_main())


BotOption = Annotated[
    str | None,
    typer.Option("--bot", help="The bot's username; asked from Telegram when left out."),
]


async def _bot_username(settings: Settings, given: str | None) -> str:
    if given:
        return given.lstrip("@")
    from telegram import Bot  # only when the username is asked from Telegram

    token = settings.require_bot_token()
    async with Bot(token, base_url=f"{settings.telegram_api_url}/bot") as bot:
        return bot.username


@codes_app.command("create")
def create(
    site: Annotated[str, typer.Option(help="The site the codes belong to, e.g. a municipality.")],
    count: Annotated[int, typer.Option(min=1, max=10_000, help="How many codes.")] = 1,
    reusable: Annotated[bool, typer.Option(help="One code for many people.")] = False,
    expires: Annotated[
        str | None,
        typer.Option(help="How long the codes work, e.g. 30d or 12h; default until revoked."),
    ] = None,
    bot: BotOption = None,
) -> None:
    """Print one enrollment deep link per line."""
    settings = load_settings()
    expires_in = parse_expiry(expires)

    async def _create() -> list[str]:
        username = await _bot_username(settings, bot)
        database = Database(settings.database_url)
        try:
            await ensure_up_to_date(database)
            async with database.transaction() as session:
                codes = await create_codes(
                    session,
                    site,
                    count,
                    reusable=reusable,
                    now=SystemClock().now(),
                    expires_in=expires_in,
                )
        finally:
            await database.dispose()
        return [deep_link(username, code) for code in codes]

    for link in asyncio.run(_create()):
        typer.echo(link)
    if reusable:
        typer.echo(
            "note: reusable codes cannot be linked to registry records (many people share one "
            "code); hand out single-use codes for linkage",
            err=True,
        )
    elif settings.linkage_key is None:
        typer.echo(
            "note: LOTGENOOT_LINKAGE_KEY is not set, so people who enroll with these codes "
            "cannot be linked to registry records",
            err=True,
        )


@codes_app.command("revoke")
def revoke(
    codes: Annotated[list[str], typer.Argument(help="Codes (or whole links) to stop.")],
) -> None:
    """Stop enrollment codes from working; people who enrolled with them stay."""
    settings = load_settings()
    given = [_payload(code) for code in codes]
    unknown = in_database(
        settings, lambda session: revoke_codes(session, given, SystemClock().now())
    )
    _report_revoked(len(given), unknown, "code")


def _report_revoked(given: int, unknown: list[str], noun: str) -> None:
    for item in unknown:
        typer.echo(f"no such {noun}: {item}", err=True)
    revoked = given - len(unknown)
    typer.echo(f"revoked {revoked} {noun}" + ("" if revoked == 1 else "s"))
    if unknown:
        raise typer.Exit(1)


@invites_app.command("revoke")
def revoke_invite(
    tokens: Annotated[list[str], typer.Argument(help="Invite tokens (or whole links) to stop.")],
) -> None:
    """Stop staff invites from working; roles already granted stay (see `staff remove`)."""
    settings = load_settings()
    given = [_payload(token) for token in tokens]
    unknown = in_database(
        settings, lambda session: revoke_invites(session, given, SystemClock().now())
    )
    _report_revoked(len(given), unknown, "invite")


@staff_app.command("remove")
def remove(
    telegram_id: Annotated[int, typer.Argument(help="The staff member's Telegram user id.")],
    role: Annotated[
        Role | None, typer.Option(help="Only this role; default every role.", show_default=False)
    ] = None,
) -> None:
    """End a staff member's rights at once; for a counsellor, say who owns their groups."""
    settings = load_settings()
    chat_ids = (
        in_database(settings, lambda session: chats_of(session, telegram_id))
        if role in (None, Role.COUNSELLOR)
        else []
    )
    owners = asyncio.run(_owners(settings, chat_ids)) if chat_ids else {}

    async def _remove(session: AsyncSession) -> tuple[list[Role], list[str]]:
        removed = await remove_staff(session, telegram_id, role)
        if Role.COUNSELLOR not in removed:
            return removed, []
        return removed, await handover_notes(session, telegram_id, owners, Language.EN)

    removed, notes = in_database(settings, _remove)
    if not removed:
        typer.echo(f"{telegram_id} holds no such staff role", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed {telegram_id} as {', '.join(r.value for r in removed)}")
    for note in notes:
        typer.echo(f"\n{note}")
    from bot.runtime import staff_directory  # the one place that reads the operators

    if telegram_id in staff_directory(settings).operators:
        typer.echo(
            f"{telegram_id} is still an operator through LOTGENOOT_ADMIN_IDS: remove it there",
            err=True,
        )


async def _owners(settings: Settings, chat_ids: list[int]) -> dict[int, ChatOwner]:
    """Who owns each chat, asked from Telegram outside the transaction; without a token or a
    connection, each chat says why it is not known."""
    from telegram import Bot  # only when there are groups to ask about
    from telegram.error import TelegramError

    from bot.handlers.owners import read_owners, unread

    try:
        token = settings.require_bot_token()
    except SettingsError:
        return unread(chat_ids, "LOTGENOOT_BOT_TOKEN is not set here")
    try:
        async with Bot(token, base_url=f"{settings.telegram_api_url}/bot") as bot:
            return await read_owners(bot, chat_ids)
    except TelegramError as error:
        return unread(chat_ids, error.message)


def invite(
    role: Annotated[
        Role, typer.Argument(help="counsellor, assistant (research assistant), researcher or admin")
    ],
    expires: Annotated[
        str,
        typer.Option(help="How long the link works, e.g. 7d, 12h or never."),
    ] = f"{DEFAULT_INVITE_LIFETIME.days}d",
    bot: BotOption = None,
) -> None:
    """Print a one-time deep link that grants a staff role."""
    settings = load_settings()
    expires_in = parse_expiry(expires)

    async def _invite() -> str:
        username = await _bot_username(settings, bot)
        database = Database(settings.database_url)
        try:
            await ensure_up_to_date(database)
            async with database.transaction() as session:
                token = await create_invite(session, role, SystemClock().now(), expires_in)
        finally:
            await database.dispose()
        return deep_link(username, token)

    typer.echo(asyncio.run(_invite()))
