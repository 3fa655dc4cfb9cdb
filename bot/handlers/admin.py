"""Admin commands in private chat: enrollment links and staff invites."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.context import LotgenootContext
from bot.handlers.replies import reply
from bot.handlers.roles import requires
from bot.services.enrollment import create_codes
from bot.services.staff import create_invite, deep_link

MAX_CODES_IN_CHAT = 50


@requires(Role.ADMIN)
async def codes(update: Update, context: LotgenootContext) -> None:
    """/codes <site> [count]: enrollment deep links for a site."""
    args = context.args or []
    count = int(args[-1]) if len(args) > 1 and args[-1].isdigit() else 1
    site = " ".join(args[:-1] if len(args) > 1 and args[-1].isdigit() else args).strip()
    if not site or not 1 <= count <= MAX_CODES_IN_CHAT:
        await reply(update, context, "admin.codes_usage", maximum=MAX_CODES_IN_CHAT)
        return
    runtime = context.runtime
    async with context.transaction() as session:
        made = await create_codes(session, site, count, reusable=False, now=runtime.clock.now())
    links = "\n".join(deep_link(context.bot.username, code) for code in made)
    await reply(update, context, "admin.codes_made", site=site, links=links)


@requires(Role.ADMIN)
async def invite(update: Update, context: LotgenootContext) -> None:
    """/invite counsellor|researcher|admin: a one-time link granting that role."""
    wanted = (context.args or [""])[0].lower()
    if wanted not in {role.value for role in Role}:
        await reply(update, context, "admin.invite_usage")
        return
    runtime = context.runtime
    async with context.transaction() as session:
        token = await create_invite(session, Role(wanted), runtime.clock.now())
    await reply(
        update,
        context,
        "admin.invite_made",
        role=wanted,
        link=deep_link(context.bot.username, token),
    )


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("codes", codes, filters=private),
        CommandHandler("invite", invite, filters=private),
    ]
