"""Researcher commands in private chat: counts, never identities."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.staff import commands


async def trial(update: Update, context: LotgenootContext) -> None:
    """/trial: enrollment and allocation counts by stratum and arm."""
    await run_turn(update, context, commands.show_trial, roles=(Role.RESEARCHER, Role.ADMIN))


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [
        CommandHandler(
            "trial", trial, filters=filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        )
    ]
