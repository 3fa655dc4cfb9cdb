"""Counsellor commands in private chat: /groups, /group, /flags, /post; admins also /assign.
Every staff member: /name (how participants see them)."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.adapter import argument_text, run_turn
from bot.handlers.context import LotgenootContext
from bot.services.peer_groups import digest
from bot.services.staff import counsellor_desk, profile

STAFF = (Role.COUNSELLOR, Role.ADMIN)


async def list_groups(update: Update, context: LotgenootContext) -> None:
    """/groups: each group with members joined and this week's activity."""
    await run_turn(update, context, counsellor_desk.list_groups, roles=STAFF)


async def show_group(update: Update, context: LotgenootContext) -> None:
    """/group <id>: members with last activity, silent ones flagged, and recent moderation.

    First names are read from Telegram before the turn's transaction opens (no network call
    inside a write transaction), and only for staff.
    """
    group_id, user = _number(context.args, 0), update.effective_user
    names: dict[int, str] = {}
    if group_id is not None and user is not None:
        runtime = context.runtime
        async with runtime.database.snapshot() as session:
            staff = not (await runtime.trial.staff.roles_of(session, user.id)).isdisjoint(STAFF)
            chat_id, ids = await counsellor_desk.telegram_ids_in(session, group_id)
        if staff:
            names = await _names(context, chat_id, ids)
    await run_turn(update, context, counsellor_desk.show_group, group_id, names, roles=STAFF)


async def flags(update: Update, context: LotgenootContext) -> None:
    """/flags: open reports, each with a button to resolve it."""
    await run_turn(update, context, counsellor_desk.flags, roles=STAFF)


async def resolve(update: Update, context: LotgenootContext) -> None:
    """The "Resolved #n" button: close the report and forget the reported text."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    report_id = _number([(query.data or "").removeprefix("flag:")], 0) or 0
    await run_turn(update, context, counsellor_desk.resolve, report_id, roles=STAFF)


async def post(update: Update, context: LotgenootContext) -> None:
    """/post <group> <text>: say something in one of your groups."""
    message = update.effective_message
    group_id = _number(context.args, 0)
    typed = message.text if message is not None and message.text else ""
    words = typed.split(maxsplit=2)[2] if group_id is not None and len(typed.split()) > 2 else ""
    await run_turn(update, context, counsellor_desk.post, group_id, words, roles=STAFF)


async def assign(update: Update, context: LotgenootContext) -> None:
    """/assign <group> <counsellor>: an admin chooses a group's counsellor."""
    group_id, staff_id = _number(context.args, 0), _number(context.args, 1)
    await run_turn(update, context, counsellor_desk.assign, group_id, staff_id, roles=(Role.ADMIN,))


async def suggestion(update: Update, context: LotgenootContext) -> None:
    """The button under a weekly digest: post its suggestion in the group."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await run_turn(update, context, digest.send_suggestion, query.data, roles=STAFF)


async def name(update: Update, context: LotgenootContext) -> None:
    """/name [display name]: how participants see you, or a new name."""
    await run_turn(update, context, profile.rename, argument_text(context), roles=tuple(Role))


def _number(args: list[str] | None, index: int) -> int | None:
    value = (args or [])[index].lstrip("#") if len(args or []) > index else ""
    return int(value) if value.isdigit() else None


async def _names(context: LotgenootContext, chat_id: int | None, ids: list[int]) -> dict[int, str]:
    """First names as Telegram shows them now, for this reply only (never stored)."""
    names: dict[int, str] = {}
    for user_id in ids if chat_id is not None else []:
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)  # type: ignore[arg-type]
        except TelegramError:
            continue
        names[user_id] = member.user.first_name
    return names


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("groups", list_groups, filters=private),
        CommandHandler("group", show_group, filters=private),
        CommandHandler("flags", flags, filters=private),
        CommandHandler("post", post, filters=private),
        CommandHandler("assign", assign, filters=private),
        CommandHandler("name", name, filters=private),
        CallbackQueryHandler(resolve, pattern=r"^flag:\d+$"),
        CallbackQueryHandler(suggestion, pattern=r"^sug:"),
    ]
