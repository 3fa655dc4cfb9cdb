"""Researcher commands in private chat: counts, never identities."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.staff import commands
from bot.services.trial import Trial
from bot.services.turns import Turn


async def trial(update: Update, context: LotgenootContext) -> None:
    """/trial: enrollment and allocation counts by stratum and arm."""

    async def service(turn: Turn, _trial: Trial) -> None:
        await commands.show_trial(turn)

    await run_turn(update, context, service, roles=(Role.RESEARCHER, Role.ADMIN))


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [
        CommandHandler(
            "trial", trial, filters=filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        )
    ]
