"""Registry imports: one row per `lotgenoot linkage import`, an event without a person (SPEC
§11.5) that says when outcomes came in and how many rows matched; exported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.types import BigIntId

__all__ = ["LinkageImport"]


class LinkageImport(Base):
    """One import of registry outcomes: its counts of rows and values, and the file's SHA-256
    (of a file that holds pseudonyms and outcomes only), so a re-run can be recognised."""

    __tablename__ = "linkage_imports"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    imported_at: Mapped[datetime]
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    matched: Mapped[int]
    unmatched: Mapped[int]
    duplicates: Mapped[int]
    stored: Mapped[int]
    changed: Mapped[int]
    unchanged: Mapped[int]
