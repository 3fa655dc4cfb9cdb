"""Private-chat commands of participants: each parses its arguments and calls one service."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.handlers.adapter import argument_text, run_turn
from bot.handlers.context import LotgenootContext
from bot.services.participants import (
    activity,
    corrections,
    deletion,
    enrollment,
    money_out,
    participation,
    surveys,
)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # an edit is not a new message


async def start(update: Update, context: LotgenootContext) -> None:
    """/start [code]: enroll with a deep-link code, or continue where the person stopped."""
    code = context.args[0] if context.args else None
    await run_turn(update, context, enrollment.start, code)


async def deposit(update: Update, context: LotgenootContext) -> None:
    """/deposit [amount]: record savings."""
    await run_turn(update, context, activity.deposit, argument_text(context))


async def withdraw(update: Update, context: LotgenootContext) -> None:
    """/withdraw [amount]: money taken out of savings, after one confirming tap."""
    await run_turn(update, context, money_out.withdraw, argument_text(context))


async def undo(update: Update, context: LotgenootContext) -> None:
    """/undo: offer to take back the last entry, of any kind."""
    await run_turn(update, context, corrections.offer)


async def job_search(update: Update, context: LotgenootContext) -> None:
    """/applied [n], /interview [n], /job, /training: record job-search steps."""
    message = update.effective_message
    command = message.text if message is not None and message.text else "/applied"
    kind = command.split()[0].lstrip("/").split("@")[0].lower()
    await run_turn(update, context, activity.action, kind, argument_text(context))


async def progress(update: Update, context: LotgenootContext) -> None:
    """/progress: own totals."""
    await run_turn(update, context, participation.progress)


async def survey(update: Update, context: LotgenootContext) -> None:
    """/survey: continue the open follow-up questionnaire."""
    await run_turn(update, context, surveys.continue_survey)


async def goal(update: Update, context: LotgenootContext) -> None:
    """/goal [amount or number]: change the commitment."""
    await run_turn(update, context, participation.goal, argument_text(context))


async def language(update: Update, context: LotgenootContext) -> None:
    """/language: choose Dutch or English."""
    await run_turn(update, context, participation.ask_language)


async def pause(update: Update, context: LotgenootContext) -> None:
    """/pause: no nudges for a while."""
    await run_turn(update, context, participation.pause)


async def resume(update: Update, context: LotgenootContext) -> None:
    """/resume: nudges again."""
    await run_turn(update, context, participation.resume)


async def stop(update: Update, context: LotgenootContext) -> None:
    """/stop: no more messages, after one confirming tap."""
    await run_turn(update, context, participation.ask_stop)


async def my_data(update: Update, context: LotgenootContext) -> None:
    """/mydata: a short summary, then a JSON file of everything stored."""
    await run_turn(update, context, participation.my_data)


async def delete(update: Update, context: LotgenootContext) -> None:
    """/delete: erasure, after confirmation."""
    await run_turn(update, context, deletion.ask_delete)


COMMANDS = {
    "start": start,
    "deposit": deposit,
    "withdraw": withdraw,
    "undo": undo,
    "applied": job_search,
    "interview": job_search,
    "job": job_search,
    "training": job_search,
    "progress": progress,
    "survey": survey,
    "goal": goal,
    "language": language,
    "pause": pause,
    "resume": resume,
    "stop": stop,
    "mydata": my_data,
    "delete": delete,
}


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    return [CommandHandler(name, callback, filters=PRIVATE) for name, callback in COMMANDS.items()]
