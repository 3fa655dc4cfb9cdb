"""Researcher commands in private chat: counts, never identities."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.context import LotgenootContext
from bot.handlers.replies import reply
from bot.handlers.roles import requires
from bot.services.staff import trial_counts


@requires(Role.RESEARCHER, Role.ADMIN)
async def trial(update: Update, context: LotgenootContext) -> None:
    """/trial: enrollment and allocation counts by stratum and arm."""
    async with context.transaction() as session:
        enrolled, rows = await trial_counts(session)
    lines = "\n".join(f"{stratum} · {arm}: {count}" for stratum, arm, count in rows) or "–"
    await reply(update, context, "researcher.trial", enrolled=enrolled, lines=lines)


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [
        CommandHandler(
            "trial", trial, filters=filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        )
    ]
