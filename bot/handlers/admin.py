"""Admin commands in private chat: enrollment links, staff invites and removing staff."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.handlers.owners import read_owners
from bot.services.peer_groups import ownership
from bot.services.peer_groups.ownership import ChatOwner
from bot.services.staff import commands

ADMINS = (Role.ADMIN,)


async def codes(update: Update, context: LotgenootContext) -> None:
    """/codes <site> [count]: enrollment deep links for a site."""
    args = tuple(context.args or ())
    await run_turn(update, context, commands.make_codes, args, context.bot.username, roles=ADMINS)


async def invite(update: Update, context: LotgenootContext) -> None:
    """/invite counsellor|researcher|admin: a one-time link granting that role."""
    wanted = (context.args or [""])[0].lower()
    await run_turn(
        update, context, commands.make_invite, wanted, context.bot.username, roles=ADMINS
    )


async def staff_remove(update: Update, context: LotgenootContext) -> None:
    """/staff_remove <telegram id> [role]: end someone's staff rights (one role, or all) at once."""
    args = tuple(context.args or ())
    owners = await _owners(update, context, args)
    await run_turn(update, context, commands.remove, args, owners, roles=ADMINS)


async def _owners(
    update: Update, context: LotgenootContext, args: tuple[str, ...]
) -> dict[int, ChatOwner]:
    """When an admin removes a counsellor: who owns each of their groups' Telegram chats, read
    before the turn's transaction opens (no network call inside a write transaction)."""
    parsed, user = commands.removal(args), update.effective_user
    if parsed is None or parsed[1] not in (None, Role.COUNSELLOR) or user is None:
        return {}
    runtime = context.runtime
    async with runtime.database.snapshot() as session:
        if Role.ADMIN not in await runtime.trial.staff.roles_of(session, user.id):
            return {}
        chat_ids = await ownership.chats_of(session, parsed[0])
    return await read_owners(context.bot, chat_ids)


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("codes", codes, filters=private),
        CommandHandler("invite", invite, filters=private),
        CommandHandler("staff_remove", staff_remove, filters=private),
    ]
