"""The append-only log of micro-randomized decisions (one row per decision point), keyed as one
hash chain (experiments.micro.audit), and the tombstones lawful erasure leaves in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

__all__ = ["MicroDecision", "MicroErasure"]


class MicroDecision(Base):
    """One decision: was the person available, with which probability, which draw, sent or not.

    Unique per participant, component and decision point, so a scan run again after a crash
    finds the decision already made and neither loses nor redraws it.
    """

    __tablename__ = "micro_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    component: Mapped[str] = mapped_column(String(20))
    decision_at: Mapped[datetime]
    week: Mapped[int]
    available: Mapped[bool] = mapped_column(Boolean)
    unavailable_reason: Mapped[str | None] = mapped_column(String(20))
    probability: Mapped[float] = mapped_column(Float)
    draw: Mapped[float] = mapped_column(Float)
    sent: Mapped[bool] = mapped_column(Boolean)
    intent_key: Mapped[str | None] = mapped_column(String(120))
    recorded_at: Mapped[datetime]
    # its place in the keyed chain; None for decisions made before the chain began (legacy)
    sequence: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("participant_id", "component", "decision_at"),
        Index("ix_micro_decisions_decision_at", "decision_at"),
        Index("ux_micro_decisions_sequence", "sequence", unique=True),
    )


class MicroErasure(Base):
    """A keyed tombstone: decision #sequence of this participant was erased by /delete.

    It keeps the decision's place in the chain (its link and hash) and no research data, so
    `lotgenoot study verify` tells lawful erasure apart from a deleted decision.
    """

    __tablename__ = "micro_erasures"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    erased_at: Mapped[datetime]
    mac: Mapped[str] = mapped_column(String(64))
