"""What the bot offered to record: each button that would log a deposit or a step is a row.

A tap names the offer's id; what is recorded is this row's value, never what the button's data
says, so an altered or made-up button records nothing. A question's offers (the amounts under
"how much?") share `question`, and answering one answers them all, once. An offered correction
(the undo button) names the entry it would take back in `corrects_event_id`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import BigIntId

__all__ = ["Offer"]


class Offer(Base):
    """One button that records `kind` with this amount, count or detail (or the correction of
    one entry), for one person."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    # the update that asked: the buttons of one question share it
    question: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int | None]
    quantity: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(String(40))
    corrects_event_id: Mapped[int | None] = mapped_column(BigInteger)
    offered_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    # a newer question of the same person took its place: only the latest is honoured
    superseded_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_offers_participant_question", "participant_id", "question"),)
