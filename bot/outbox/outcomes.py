"""What one delivery attempt came to, in Telegram-free terms the sender decides on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Delivered:
    """Telegram accepted it: a message's id, and what a call returned that a follow-up needs
    (createChatInviteLink: {"invite_link": ...})."""

    message_id: int | None
    result: dict[str, Any] | None = None


@dataclass(frozen=True)
class RateLimited:
    """Telegram said 429: wait `retry_after` seconds before the next message."""

    retry_after: float


@dataclass(frozen=True)
class Unreachable:
    """The person blocked the bot or the chat is gone: never retry."""

    reason: str


@dataclass(frozen=True)
class Transient:
    """A server error or a time-out: worth retrying later."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """Telegram refused the message itself (400): retrying cannot help."""

    reason: str


Outcome = Delivered | RateLimited | Unreachable | Transient | Rejected


class Transport(Protocol):
    """Performs one Bot API call for an outbox row."""

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome: ...
