"""The counsellor inbox: /ask for participants; /tickets, replies and ticket buttons for staff."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.db.study import Role
from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.counsellor_inbox import desk, outreach
from bot.services.participants import conversation, guide
from bot.services.staff import calls

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # an edit is not a new message
STAFF = (Role.COUNSELLOR, Role.ASSISTANT, Role.ADMIN)


async def ask(update: Update, context: LotgenootContext) -> None:
    """/ask [question]: a question for the participant's counsellor (line breaks kept)."""
    message = update.effective_message
    typed = (message.text or "") if message is not None else ""
    parts = typed.split(maxsplit=1)
    question = parts[1] if len(parts) > 1 else None
    await run_turn(update, context, guide.ask_counsellor, question)


async def tickets(update: Update, context: LotgenootContext) -> None:
    """/tickets: open questions, each with a close button."""
    await run_turn(update, context, desk.list_tickets, roles=STAFF)


async def call(update: Update, context: LotgenootContext) -> None:
    """/call <task> <answers>: a follow-up call's answers, entered by the staff member."""
    args = list(context.args or [])
    await run_turn(update, context, calls.enter_answers, args, roles=calls.CALL_STAFF)


async def on_reply(update: Update, context: LotgenootContext) -> None:
    """Text that replies to one of our messages: an answer to a ticket, else ordinary text."""
    message = update.effective_message
    assert message is not None
    assert message.reply_to_message is not None
    replied_to = message.reply_to_message.message_id
    await run_turn(update, context, conversation.replied, replied_to, message.text or "")


async def on_ticket_button(update: Update, context: LotgenootContext) -> None:
    """A canned reply or the close button under a ticket."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await run_turn(update, context, desk.press, query.data, roles=STAFF)


async def on_outreach_button(update: Update, context: LotgenootContext) -> None:
    """✅ under a check-in prompt: the counsellor sends its draft."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await run_turn(update, context, outreach.press, query.data, roles=STAFF)


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    """Registered before the menu and the general text and button handlers."""
    replying = PRIVATE & filters.TEXT & ~filters.COMMAND & filters.REPLY
    return [
        CommandHandler("ask", ask, filters=PRIVATE),
        CommandHandler("tickets", tickets, filters=PRIVATE),
        CommandHandler("call", call, filters=PRIVATE),
        MessageHandler(replying, on_reply),
        CallbackQueryHandler(on_ticket_button, pattern=r"^tktx?:"),
        CallbackQueryHandler(on_outreach_button, pattern=r"^otr:"),
    ]
