"""The Transport that speaks to the Bot API through python-telegram-bot's Bot.

This is the one module that makes Bot API writes (tests/unit/test_bot_api_writes.py checks
it): messages, and the calls that are not messages (join requests, restrictions, bans, pins,
deletions, invite links, leaving a chat, and the answers to check-in taps). Elsewhere only
answerCallbackQuery, setMyCommands and reads remain.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatPermissions,
    InlineKeyboardMarkup,
    InputFile,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.outbox.messages import call_params, is_message
from bot.outbox.outcomes import (
    Delivered,
    Outcome,
    RateLimited,
    Rejected,
    Transient,
    Unreachable,
)

# python-telegram-bot 22 warns on reading retry_after unless opted in to 23's timedelta; the
# sender may run without bot.app (which opts in too), e.g. in a process of its own.
os.environ.setdefault("PTB_TIMEDELTA", "true")

UNREACHABLE_400 = ("chat not found", "user not found", "have no rights to send")


class TelegramTransport:
    """Turns an outbox row into a Bot API call and the answer into an Outcome.

    At most `max_concurrent` calls are open at once. The sender keeps many messages in hand,
    but at Telegram's pace only a few are ever on the wire; letting all of them open a
    connection costs CPU, since httpcore's pool scans every connection for each request
    (against the sandbox: about 150 messages/s with 50 connections, 190/s with 8).
    """

    def __init__(self, bot: Bot, *, max_concurrent: int = 8) -> None:
        self._bot = bot
        self._calls = asyncio.Semaphore(max_concurrent)

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        async with self._calls:
            return await self._outcome(method, chat_id, payload)

    async def _outcome(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        try:
            if is_message(method):
                return Delivered(await self._send(method, chat_id, payload))
            return await self._perform(method, chat_id, call_params(payload))
        except RetryAfter as exc:
            return RateLimited(_seconds(exc))
        except ChatMigrated:
            # its message names the new chat id; reasons are logged and kept, ids are not
            return Rejected("the group was upgraded to a supergroup")
        except Forbidden as exc:
            return Unreachable(exc.message)
        except BadRequest as exc:
            if any(fragment in exc.message.lower() for fragment in UNREACHABLE_400):
                return Unreachable(exc.message)
            return Rejected(exc.message)
        except NetworkError as exc:  # 5xx, time-outs and connection errors alike
            return Transient(exc.message)
        except TelegramError as exc:
            return Rejected(exc.message)

    async def _perform(self, method: str, chat_id: int, params: dict[str, Any]) -> Delivered:
        """A call that is not a message (bot.outbox.messages.CALL_METHODS)."""
        bot = self._bot
        if method == "approveChatJoinRequest":
            await bot.approve_chat_join_request(chat_id, params["user_id"])
        elif method == "declineChatJoinRequest":
            await bot.decline_chat_join_request(chat_id, params["user_id"])
        elif method == "restrictChatMember":
            allowed = params.get("permissions") == "all"
            permissions = (
                ChatPermissions.all_permissions() if allowed else ChatPermissions.no_permissions()
            )
            until = params.get("until_date")
            await bot.restrict_chat_member(
                chat_id,
                params["user_id"],
                permissions,
                until_date=None if until is None else datetime.fromtimestamp(until, UTC),
            )
        elif method == "banChatMember":
            await bot.ban_chat_member(chat_id, params["user_id"])
        elif method == "unbanChatMember":
            await bot.unban_chat_member(chat_id, params["user_id"], only_if_banned=True)
        elif method == "pinChatMessage":
            await bot.pin_chat_message(chat_id, params["message_id"], disable_notification=True)
        elif method == "unpinChatMessage":
            await bot.unpin_chat_message(chat_id, params["message_id"])
        elif method == "answerCallbackQuery":
            await bot.answer_callback_query(params["callback_query_id"], text=params.get("text"))
        elif method == "deleteMessage":
            await bot.delete_message(chat_id, params["message_id"])
        elif method == "createChatInviteLink":
            link = await bot.create_chat_invite_link(
                chat_id,
                name=params.get("name"),
                creates_join_request=bool(params.get("creates_join_request")),
            )
            return Delivered(None, {"invite_link": link.invite_link})
        elif method == "setMyCommands":
            await bot.set_my_commands(
                [BotCommand(c["command"], c["description"]) for c in params["commands"]],
                scope=BotCommandScopeChat(params["scope"]["chat_id"]),
            )
        elif method == "deleteMyCommands":
            await bot.delete_my_commands(scope=BotCommandScopeChat(params["scope"]["chat_id"]))
        elif method == "leaveChat":
            await bot.leave_chat(chat_id)
        else:
            raise ValueError(f"the outbox cannot perform {method!r}")
        return Delivered(None)

    async def _send(self, method: str, chat_id: int, payload: dict[str, Any]) -> int | None:
        markup = payload.get("reply_markup")
        inline = None
        reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
        if markup and "keyboard" in markup:  # the participant's menu (a reply keyboard)
            reply_markup = ReplyKeyboardMarkup.de_json(markup, self._bot)
        elif markup and markup.get("remove_keyboard"):
            reply_markup = ReplyKeyboardRemove()
        elif markup:
            inline = reply_markup = InlineKeyboardMarkup.de_json(markup, self._bot)
        if method == "sendMessage":
            reply = payload.get("reply_parameters")
            entities = payload.get("entities")
            message = await self._bot.send_message(
                chat_id,
                payload["text"],
                reply_markup=reply_markup,
                reply_parameters=ReplyParameters.de_json(reply, self._bot) if reply else None,
                entities=[MessageEntity.de_json(e, self._bot) for e in entities]
                if entities
                else None,
            )
            return message.message_id
        if method == "editMessageText":
            await self._bot.edit_message_text(
                payload["text"],
                chat_id=chat_id,
                message_id=payload["message_id"],
                reply_markup=inline,
            )
            return int(payload["message_id"])
        if method == "sendDocument":
            document = InputFile(payload["content"].encode("utf-8"), filename=payload["filename"])
            message = await self._bot.send_document(
                chat_id, document, caption=payload.get("caption")
            )
            return message.message_id
        raise ValueError(f"the outbox cannot send {method!r}")


def _seconds(exc: RetryAfter) -> float:
    """retry_after in seconds, whether PTB gives an int (22.x default) or a timedelta (23)."""
    delay = exc.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
