"""The Transport that speaks to the Bot API through python-telegram-bot's Bot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.outbox.outcomes import (
    Delivered,
    Outcome,
    RateLimited,
    Rejected,
    Transient,
    Unreachable,
)

UNREACHABLE_400 = ("chat not found", "user not found", "have no rights to send")


class TelegramTransport:
    """Turns an outbox row into a Bot API call and the answer into an Outcome."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        try:
            return Delivered(await self._call(method, chat_id, payload))
        except RetryAfter as exc:
            return RateLimited(_seconds(exc))
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

    async def _call(self, method: str, chat_id: int, payload: dict[str, Any]) -> int | None:
        markup = payload.get("reply_markup")
        reply_markup = InlineKeyboardMarkup.de_json(markup, self._bot) if markup else None
        if method == "sendMessage":
            message = await self._bot.send_message(
                chat_id, payload["text"], reply_markup=reply_markup
            )
            return message.message_id
        if method == "editMessageText":
            await self._bot.edit_message_text(
                payload["text"],
                chat_id=chat_id,
                message_id=payload["message_id"],
                reply_markup=reply_markup,
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
