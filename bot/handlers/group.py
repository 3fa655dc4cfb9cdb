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
    CallbackQueryHandler,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.db.study import Role
from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.peer_groups import (
    binding,
    chat_activity,
    checkin_taps,
    flags,
    follow,
    membership,
    moderation,
)
from bot.services.peer_groups.binding import REQUIRED_RIGHTS, BindRequest, BotStanding
from bot.services.peer_groups.moderation import GroupCommand
from bot.services.peer_groups.together import hosting
from bot.services.turns import PlaceRole

log = logging.getLogger(__name__)
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE  # an edit is not a new message
ACTIVITY = 1  # a handler group of its own, so commands are counted as well as handled
GROUP_STAFF = (PlaceRole.GROUP_COUNSELLOR, Role.ADMIN)  # who may moderate a group


async def bind(update: Update, context: LotgenootContext) -> None:
    """/bind <code>: check the bot's rights and the sender, link the chat, send join links.

    The bot's own rights are read from Telegram before the turn's transaction opens.
    """
    chat, args = update.effective_chat, tuple(context.args or ())
    if chat is None:
        return
    standing = (
        _standing(await context.bot.get_chat_member(chat.id, context.bot.id)) if args else None
    )
    supergroup = chat.type == ChatType.SUPERGROUP
    request = BindRequest(args[0] if args else None, supergroup, standing)
    await run_turn(update, context, binding.bind, request)


async def join_request(update: Update, context: LotgenootContext) -> None:
    """Approve a member of this group's join request; decline everyone else's."""
    if update.chat_join_request is not None:
        await run_turn(update, context, membership.decide_join)


async def member_update(update: Update, context: LotgenootContext) -> None:
    """Someone joined or left: record it (and welcome a member who joined)."""
    change = update.chat_member
    if change is None:
        return
    was, now_in = _present(change.old_chat_member), _present(change.new_chat_member)
    if was == now_in:
        return  # a restriction or promotion, not a join or leave
    user = change.new_chat_member.user
    how: membership.Change = (
        "joined" if now_in else "left" if change.from_user.id == user.id else "removed"
    )
    changed = membership.MemberChange(user.id, user.first_name, how)
    await run_turn(update, context, membership.member_changed, changed)


async def bot_member_update(update: Update, context: LotgenootContext) -> None:
    """The bot itself was taken out of a group, or its admin rights changed."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return  # in a private chat this is someone blocking the bot: the outbox notices that
    standing = _standing(change.new_chat_member)
    missing = not standing.is_admin or len(standing.rights) < len(REQUIRED_RIGHTS)
    standing_now = follow.BotChange(_present(change.new_chat_member), missing)
    await run_turn(update, context, follow.bot_standing_changed, standing_now)


async def activity(update: Update, context: LotgenootContext) -> None:
    """Count a message for its sender (never its text) and apply flood control."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    counted = chat_activity.GroupMessage(message.message_id, message.date)
    await run_turn(update, context, chat_activity.group_message, counted)


async def rules(update: Update, context: LotgenootContext) -> None:
    """/rules: the group rules."""
    if update.effective_chat is not None:
        await run_turn(update, context, chat_activity.rules)


async def report(update: Update, context: LotgenootContext) -> None:
    """/report as a reply: tell the counsellor privately and thank the reporter."""
    command = _command(update, context)
    if command is not None:
        await run_turn(update, context, flags.report, command)


async def moderate(update: Update, context: LotgenootContext) -> None:
    """/warn, /mute [duration], /unmute, /remove, /pin as a reply; the group's counsellor and
    admins only, but for the one pin this week's host may ask for."""
    command, message = _command(update, context), update.effective_message
    if command is None or message is None or not message.text:
        return
    act = message.text.split()[0].lstrip("/").split("@")[0].lower()
    if act == "pin":  # the group's counsellor and admins, or this week's host (once)
        await run_turn(update, context, hosting.pin, command)
    elif act in moderation.ACTS:
        await run_turn(update, context, moderation.moderate, act, command, roles=GROUP_STAFF)


async def checkin_tap(update: Update, context: LotgenootContext) -> None:
    """A plan or a "Gelukt?" answer tapped under the weekly check-in; the service answers the
    tap (its toast goes through the outbox), so it is not answered here."""
    query = update.callback_query
    if query is not None:
        await run_turn(update, context, checkin_taps.tap, query.id, query.data)


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
        target_first_name=author.first_name if author is not None and not author.is_bot else None,
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
        ChatMemberHandler(bot_member_update, ChatMemberHandler.MY_CHAT_MEMBER),
        CallbackQueryHandler(checkin_tap, pattern=r"^ci[pr]:"),  # before the catch-all
    ]


def activity_handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    """Run beside the commands (their own handler group): every group message is counted."""
    return [MessageHandler(GROUPS & ~filters.StatusUpdate.ALL, activity)]
