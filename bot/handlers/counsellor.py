"""Counsellor commands in private chat: /groups, /group, /flags, /post; admins also /assign."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.db.study import Role
from bot.handlers.context import LotgenootContext
from bot.handlers.group import refuse
from bot.handlers.replies import language_of, reply
from bot.handlers.roles import requires
from bot.services import binding, group_views, reports
from bot.services.groups import GroupError

STAFF = (Role.COUNSELLOR, Role.ADMIN)


@requires(*STAFF)
async def list_groups(update: Update, context: LotgenootContext) -> None:
    """/groups: each group with members joined and this week's activity."""
    user, runtime = update.effective_user, context.runtime
    assert user is not None
    async with context.transaction() as session:
        words = await group_views.groups_overview(
            session, user.id, runtime.settings.admin_ids, language_of(update), runtime.clock.now()
        )
    await reply(update, context, "groups.plain", words=words)


@requires(*STAFF)
async def show_group(update: Update, context: LotgenootContext) -> None:
    """/group <id>: members with last activity, silent ones flagged, and recent moderation."""
    user, runtime = update.effective_user, context.runtime
    assert user is not None
    group_id = _number(context.args, 0)
    if group_id is None:
        await reply(update, context, "counsellor.group_usage")
        return
    try:
        async with context.transaction() as session:
            group, members = await group_views.group_members(
                session, group_id, user.id, runtime.settings.admin_ids, runtime.trial,
                runtime.clock.now(),
            )  # fmt: skip
    except GroupError as refusal:
        await refuse(update, context, refusal)
        return
    ids = [m.telegram_user_id for m in members if m.telegram_user_id is not None]
    names = await _names(context, group.telegram_chat_id, ids)
    async with context.transaction() as session:
        words = await group_views.render_group(
            session, group, members, names, language_of(update), runtime.trial
        )
    await reply(update, context, "groups.plain", words=words)


@requires(*STAFF)
async def flags(update: Update, context: LotgenootContext) -> None:
    """/flags: open reports, each with a button to resolve it."""
    user, runtime = update.effective_user, context.runtime
    assert user is not None
    async with context.transaction() as session:
        words, buttons = await reports.open_reports_text(
            session, user.id, runtime.settings.admin_ids, language_of(update), runtime.trial
        )
    await reply(update, context, "groups.plain", words=words, buttons=buttons)


async def resolve(update: Update, context: LotgenootContext) -> None:
    """The "Resolved #n" button: close the report and forget the reported text."""
    query, user, runtime = update.callback_query, update.effective_user, context.runtime
    if query is None or user is None:
        return
    await query.answer()
    report_id = _number([(query.data or "").removeprefix("flag:")], 0)
    try:
        async with context.transaction() as session:
            row = await reports.resolve(
                session, report_id or 0, user.id, runtime.settings.admin_ids, runtime.clock.now()
            )
    except GroupError as refusal:
        await refuse(update, context, refusal)
        return
    await reply(update, context, "reports.resolved", report=row.id)


@requires(*STAFF)
async def post(update: Update, context: LotgenootContext) -> None:
    """/post <group> <text>: say something in one of your groups."""
    user, message, runtime = update.effective_user, update.effective_message, context.runtime
    assert user is not None
    assert message is not None
    assert message.text is not None
    group_id = _number(context.args, 0)
    words = message.text.split(maxsplit=2)[2:] if group_id is not None else []
    if group_id is None or not words or not words[0].strip():
        await reply(update, context, "counsellor.post_usage")
        return
    try:
        async with context.transaction() as session:
            await group_views.post_to_group(
                session, group_id, user.id, runtime.settings.admin_ids, words[0].strip(),
                update.update_id, runtime.clock.now(),
            )  # fmt: skip
    except GroupError as refusal:
        await refuse(update, context, refusal)
        return
    await reply(update, context, "counsellor.posted", group=group_id)


@requires(Role.ADMIN)
async def assign(update: Update, context: LotgenootContext) -> None:
    """/assign <group> <counsellor>: an admin chooses a group's counsellor."""
    runtime = context.runtime
    group_id, staff_id = _number(context.args, 0), _number(context.args, 1)
    if group_id is None or staff_id is None:
        await reply(update, context, "counsellor.assign_usage")
        return
    try:
        async with context.transaction() as session:
            await binding.reassign(session, group_id, staff_id, runtime.clock.now())
    except GroupError as refusal:
        await refuse(update, context, refusal)
        return
    await reply(update, context, "counsellor.assigned", group=group_id, staff=staff_id)


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
        CallbackQueryHandler(resolve, pattern=r"^flag:\d+$"),
    ]
