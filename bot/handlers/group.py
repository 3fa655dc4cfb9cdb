"""Group chats: /bind, join requests, joins and leaves, activity, /rules, /report, moderation.

Moderation calls (restrict, ban, pin, delete, approve, invite links) are queued by the services
as outbox rows, like every text the bot says; only the read of the bot's own rights
(getChatMember, before the transaction) is made here.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberOwner, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.handlers.context import LotgenootContext
from bot.handlers.replies import language_of, reply
from bot.i18n import text
from bot.services import binding, group_activity, groups, moderation, reports
from bot.services.binding import REQUIRED_RIGHTS, BotStanding
from bot.services.moderation import GroupCommand

log = logging.getLogger(__name__)
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE  # an edit is not a new message
ACTIVITY = 1  # a handler group of its own, so commands are counted as well as handled


async def bind(update: Update, context: LotgenootContext) -> None:
    """/bind <code>: check the bot's rights and the sender, link the chat, send join links."""
    chat, user, runtime = update.effective_chat, update.effective_user, context.runtime
    if chat is None or user is None:
        return
    if not context.args:
        await reply(update, context, "groups.bind_usage")
        return
    standing = _standing(await context.bot.get_chat_member(chat.id, context.bot.id))
    try:
        async with context.transaction() as session:
            await binding.bind(
                session, context.args[0], chat.id, chat.type == ChatType.SUPERGROUP, user.id,
                standing, runtime.trial, runtime.clock.now(), update_id=update.update_id,
            )  # fmt: skip
    except groups.GroupError as refusal:
        await refuse(update, context, refusal)
        return
    runtime.wake_sender()


async def join_request(update: Update, context: LotgenootContext) -> None:
    """Approve a member of this group's join request; decline everyone else's."""
    request, runtime = update.chat_join_request, context.runtime
    if request is None:
        return
    async with context.transaction() as session:
        await groups.decide_join(
            session, request.chat.id, request.from_user.id, runtime.clock.now(),
            runtime.settings.admin_ids, update_id=update.update_id,
        )  # fmt: skip
    runtime.wake_sender()


async def member_update(update: Update, context: LotgenootContext) -> None:
    """Someone joined or left: record it (and welcome a member who joined)."""
    change, runtime = update.chat_member, context.runtime
    if change is None:
        return
    was, now_in = _present(change.old_chat_member), _present(change.new_chat_member)
    if was == now_in:
        return  # a restriction or promotion, not a join or leave
    user = change.new_chat_member.user
    how: groups.Change = (
        "joined" if now_in else "left" if change.from_user.id == user.id else "removed"
    )
    async with context.transaction() as session:
        await groups.member_changed(
            session, change.chat.id, user.id, how, update.update_id, runtime.clock.now()
        )
    runtime.wake_sender()


async def activity(update: Update, context: LotgenootContext) -> None:
    """Count a message for its sender (never its text) and apply flood control."""
    message, user, runtime = update.effective_message, update.effective_user, context.runtime
    if message is None or user is None or user.is_bot:
        return
    async with context.transaction() as session:
        await group_activity.group_message(
            session, message.chat.id, user.id, message.message_id, message.date, runtime.trial,
            runtime.settings.admin_ids, runtime.clock.now(),
        )  # fmt: skip
    runtime.wake_sender()


async def rules(update: Update, context: LotgenootContext) -> None:
    """/rules: the group rules."""
    chat, runtime = update.effective_chat, context.runtime
    if chat is None:
        return
    async with context.transaction() as session:
        await group_activity.rules(session, chat.id, update.update_id, runtime.clock.now())
    runtime.wake_sender()


async def report(update: Update, context: LotgenootContext) -> None:
    """/report as a reply: tell the counsellor privately and thank the reporter."""
    command, runtime = _command(update, context), context.runtime
    if command is None:
        return
    async with context.transaction() as session:
        await reports.report(session, command, runtime.settings.admin_ids, runtime.clock.now())
    runtime.wake_sender()


async def moderate(update: Update, context: LotgenootContext) -> None:
    """/warn, /mute [duration], /unmute, /remove, /pin as a reply; staff only."""
    command, runtime = _command(update, context), context.runtime
    message = update.effective_message
    if command is None or message is None or not message.text:
        return
    act = message.text.split()[0].lstrip("/").split("@")[0].lower()
    if act not in moderation.ACTS:
        return
    async with context.transaction() as session:
        await moderation.moderate(
            session, act, command, runtime.trial, runtime.settings.admin_ids, runtime.clock.now()
        )
    runtime.wake_sender()


async def refuse(update: Update, context: LotgenootContext, refusal: groups.GroupError) -> None:
    """Answer a refused request with the reason the service gave."""
    words = text(language_of(update), refusal.key, **refusal.params)
    await reply(update, context, "groups.plain", words=words)


def _command(update: Update, context: LotgenootContext) -> GroupCommand | None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    target = message.reply_to_message
    author = target.from_user if target is not None else None
    return GroupCommand(
        chat_id=message.chat.id,
        sender_id=user.id,
        update_id=update.update_id,
        message_id=message.message_id,
        sent_at=message.date,
        target_user_id=author.id if author is not None and not author.is_bot else None,
        target_message_id=target.message_id if target is not None else None,
        target_text=(target.text or target.caption) if target is not None else None,
        args=tuple(context.args or ()),
    )


def _standing(me: ChatMember) -> BotStanding:
    if isinstance(me, ChatMemberOwner):
        return BotStanding(True, frozenset(REQUIRED_RIGHTS))
    if isinstance(me, ChatMemberAdministrator):
        return BotStanding(True, frozenset(r for r in REQUIRED_RIGHTS if getattr(me, r, False)))
    return BotStanding(False, frozenset())


def _present(member: ChatMember) -> bool:
    if member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER):
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False))


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    commands = [CommandHandler("bind", bind, filters=GROUPS)]
    commands.append(CommandHandler("rules", rules, filters=GROUPS))
    commands.append(CommandHandler("report", report, filters=GROUPS))
    commands.append(CommandHandler(list(moderation.ACTS), moderate, filters=GROUPS))
    return [
        *commands,
        ChatJoinRequestHandler(join_request),
        ChatMemberHandler(member_update, ChatMemberHandler.CHAT_MEMBER),
    ]


def activity_handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    """Run beside the commands (their own handler group): every group message is counted."""
    return [MessageHandler(GROUPS & ~filters.StatusUpdate.ALL, activity)]
