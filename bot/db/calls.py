"""Follow-up calls: a non-responder of a questionnaire wave, the logged draw that decided whether
a person follows them up (double sampling), and the task that staff member works on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, string_enum
from bot.db.types import BigIntId

__all__ = ["CallStatus", "CallTask"]


class CallStatus(enum.StrEnum):
    """Waiting for its draw; answered before it (no draw); not chosen; open with a staff member;
    answers entered; closed without answers (the person stopped, or no staff member)."""

    PENDING = "pending"
    RESPONDED = "responded"
    NOT_CHOSEN = "not_chosen"
    OPEN = "open"
    ENTERED = "entered"
    CLOSED = "closed"


class CallTask(Base):
    """One non-responder of one wave: its draw (the log `study verify` recomputes) and task."""

    __tablename__ = "call_tasks"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    wave: Mapped[int] = mapped_column(Integer)
    status: Mapped[CallStatus] = mapped_column(string_enum(CallStatus))
    due_at: Mapped[datetime]  # when the wave counts as not answered: the draw is then
    drawn_at: Mapped[datetime | None]
    draw: Mapped[float | None] = mapped_column(Float)
    share: Mapped[float | None] = mapped_column(Float)
    selected: Mapped[bool | None]
    # staff_members.id and tickets.id, no foreign keys (a plain table of ids)
    staff_id: Mapped[int | None]
    ticket_id: Mapped[int | None]
    entered_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("participant_id", "wave"),
        Index("ix_call_tasks_due", "status", "due_at"),
    )
