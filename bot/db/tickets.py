"""The counsellor inbox: a participant's question to their counsellor is a ticket.

Its text is kept only while it is needed: until the ticket is closed plus the protocol's
retention period (a scan forgets it), or until the participant's /delete. What stays is counted
in events (opened, answered, closed, with times), never what anybody wrote.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, string_enum

__all__ = ["Ticket", "TicketMessage", "TicketStatus"]


class TicketStatus(enum.StrEnum):
    """A question being typed (after a bare /ask), open until answered, answered until the
    participant writes again (open) or it is closed (by hand, or by itself after a while).
    A counsellor's check-in (`counsellor_outreach`) starts as prompted: the counsellor was
    offered a draft; once sent it is answered, and the participant's reply opens it."""

    DRAFT = "draft"
    PROMPTED = "prompted"
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Ticket(Base):
    """One question from a participant to their counsellor, and how it was handled."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    status: Mapped[TicketStatus] = mapped_column(string_enum(TicketStatus))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]  # the latest answer
    answers: Mapped[int] = mapped_column(default=0)
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    forgotten_at: Mapped[datetime | None]
    # the counsellor's check-in number (1, 2, …) when the counsellor started it; None: a question
    outreach_round: Mapped[int | None]

    __table_args__ = (
        Index("ix_tickets_status_opened", "status", "opened_at"),
        Index("ix_tickets_counsellor_status", "counsellor_id", "status"),
    )


class TicketMessage(Base):
    """A message about a ticket as Telegram numbered it in a staff chat, so a reply to it is
    recognised as an answer to that ticket. Ids only: it stays after the text is forgotten, so a
    late reply is told the ticket is closed."""

    __tablename__ = "ticket_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
