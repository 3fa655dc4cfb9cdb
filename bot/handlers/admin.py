"""Admin commands in private chat: enrollment links and staff invites."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
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
    await run_turn(update, context, commands.remove, tuple(context.args or ()), roles=ADMINS)


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("codes", codes, filters=private),
        CommandHandler("invite", invite, filters=private),
        CommandHandler("staff_remove", staff_remove, filters=private),
    ]
