"""Retention checks: "do you still have this work?", planned when a job or training start is
logged, one row per protocol time (`[retention] checks`), each asked once and answered once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import BigIntId

__all__ = ["RetentionCheck"]


class RetentionCheck(Base):
    """One retention question about one start (`start_event_id`), due at `due_at`."""

    __tablename__ = "retention_checks"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    start_event_id: Mapped[int] = mapped_column(BigInteger)
    check_name: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[datetime]
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_retention_checks_due", "asked_at", "due_at"),)
