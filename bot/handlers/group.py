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

from bot.handlers.adapter import run_turn
from bot.handlers.context import LotgenootContext
from bot.services.peer_groups import binding, chat_activity, flags, follow, membership, moderation
from bot.services.peer_groups.binding import REQUIRED_RIGHTS, BotStanding
from bot.services.peer_groups.moderation import GroupCommand
from bot.services.staff import counsellor_desk
from bot.services.trial import Trial
from bot.services.turns import Turn

log = logging.getLogger(__name__)
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE  # an edit is not a new message
ACTIVITY = 1  # a handler group of its own, so commands are counted as well as handled


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

    async def service(turn: Turn, trial: Trial) -> None:
        if standing is None:
            await turn.say_text("groups.bind_usage")
            return
        binding_it = binding.bind(
            turn.session, args[0], chat.id, supergroup, turn.user_id, standing, trial, turn.now,
            update_id=turn.incoming.update_id,
        )  # fmt: skip
        await counsellor_desk.refusing(turn, binding_it)

    await run_turn(update, context, service)


async def join_request(update: Update, context: LotgenootContext) -> None:
    """Approve a member of this group's join request; decline everyone else's."""
    request = update.chat_join_request
    if request is None:
        return
    chat_id, user_id = request.chat.id, request.from_user.id

    async def service(turn: Turn, _trial: Trial) -> None:
        await membership.decide_join(
            turn.session, chat_id, user_id, turn.now, turn.staff.admin_ids,
            update_id=turn.incoming.update_id,
        )  # fmt: skip

    await run_turn(update, context, service)


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
    chat_id, user_id, first_name = change.chat.id, user.id, user.first_name

    async def service(turn: Turn, _trial: Trial) -> None:
        await membership.member_changed(
            turn.session, chat_id, user_id, how, turn.incoming.update_id, turn.now, first_name
        )

    await run_turn(update, context, service)


async def bot_member_update(update: Update, context: LotgenootContext) -> None:
    """The bot itself was taken out of a group, or its admin rights changed."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return  # in a private chat this is someone blocking the bot: the outbox notices that
    present = _present(change.new_chat_member)
    standing = _standing(change.new_chat_member)
    missing = not standing.is_admin or len(standing.rights) < len(REQUIRED_RIGHTS)
    chat_id = change.chat.id

    async def service(turn: Turn, _trial: Trial) -> None:
        await follow.bot_standing_changed(
            turn.session, chat_id, present, missing, turn.incoming.update_id, turn.now,
            turn.staff.admin_ids,
        )  # fmt: skip

    await run_turn(update, context, service)


async def activity(update: Update, context: LotgenootContext) -> None:
    """Count a message for its sender (never its text) and apply flood control."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    chat_id, message_id, sent_at = message.chat.id, message.message_id, message.date

    async def service(turn: Turn, trial: Trial) -> None:
        await chat_activity.group_message(
            turn.session, chat_id, turn.user_id, message_id, sent_at, trial,
            turn.staff.admin_ids, turn.now,
        )  # fmt: skip

    await run_turn(update, context, service)


async def rules(update: Update, context: LotgenootContext) -> None:
    """/rules: the group rules."""
    chat = update.effective_chat
    if chat is None:
        return
    chat_id = chat.id

    async def service(turn: Turn, _trial: Trial) -> None:
        await chat_activity.rules(turn.session, chat_id, turn.incoming.update_id, turn.now)

    await run_turn(update, context, service)


async def report(update: Update, context: LotgenootContext) -> None:
    """/report as a reply: tell the counsellor privately and thank the reporter."""
    command = _command(update, context)
    if command is None:
        return

    async def service(turn: Turn, _trial: Trial) -> None:
        await flags.report(turn.session, command, turn.staff.admin_ids, turn.now)

    await run_turn(update, context, service)


async def moderate(update: Update, context: LotgenootContext) -> None:
    """/warn, /mute [duration], /unmute, /remove, /pin as a reply; staff only."""
    command, message = _command(update, context), update.effective_message
    if command is None or message is None or not message.text:
        return
    act = message.text.split()[0].lstrip("/").split("@")[0].lower()
    if act not in moderation.ACTS:
        return

    async def service(turn: Turn, trial: Trial) -> None:
        await moderation.moderate(turn.session, act, command, trial, turn.staff.admin_ids, turn.now)

    await run_turn(update, context, service)


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
    ]


def activity_handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    """Run beside the commands (their own handler group): every group message is counted."""
    return [MessageHandler(GROUPS & ~filters.StatusUpdate.ALL, activity)]
