"""Registered analysis plans: the SHA-256 of the protocol file each registration covered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

__all__ = ["ProtocolRegistration"]


class ProtocolRegistration(Base):
    """One `lotgenoot study register`: the protocol's hash and text, and when."""

    __tablename__ = "protocol_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    protocol_text: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime]
