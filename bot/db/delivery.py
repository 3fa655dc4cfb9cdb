"""The delivery tables: the outbox, the updates already handled and unreachable chats."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, string_enum
from bot.db.types import BigIntId


class OutboxStatus(enum.StrEnum):
    """Where an intended message is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ChatType(enum.StrEnum):
    """Telegram limits differ for private chats and groups."""

    PRIVATE = "private"
    GROUP = "group"


# SQLite uses a partial index only for a query that repeats its condition word for word (a
# bound `status = ?` does not imply it), so the outbox's queries for unfinished rows include it.
OUTBOX_UNFINISHED = "status IN ('pending', 'sending')"


class OutboxMessage(Base):
    """One intended message; `intent_key` makes sending the same intent twice impossible."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    intent_key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_type: Mapped[ChatType] = mapped_column(string_enum(ChatType))
    method: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    kind: Mapped[str] = mapped_column(String(40))
    participant_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[OutboxStatus] = mapped_column(
        string_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    not_before: Mapped[datetime]
    # the lane (1 replies and calls, 2 personal, 3 group posts and bulk) and the claim's order:
    # `not_before` moved back by the lane's grace (bot.outbox.messages.LANE_GRACE), so a lower
    # lane waits behind higher ones for at most its grace, then by age like any other row
    priority: Mapped[int] = mapped_column(SmallInteger)
    rank_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_outbox_messages_due",
            "status",
            "not_before",
            postgresql_where=text(OUTBOX_UNFINISHED),
            sqlite_where=text(OUTBOX_UNFINISHED),
        ),
        Index("ix_outbox_messages_chat_status", "chat_id", "status"),
    )


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a re-delivered update is handled once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(index=True)


class InboundUpdate(Base):
    """An update taken from Telegram and not yet handled: stored before Telegram is told it
    arrived (the polling offset, the webhook's 200), removed once handled, replayed after a
    crash (bot.inbound). Rows live for seconds; personal data in them is not kept."""

    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class UnreachableChat(Base):
    """A participant's chat that answered 403 or "chat not found": nothing is sent until they
    write again. Only participants' chats are kept; a stranger's block leaves no trace."""

    __tablename__ = "unreachable_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    since: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))
