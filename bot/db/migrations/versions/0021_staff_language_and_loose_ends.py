"""staff language, when a counsellor got a group, superseded offers

A staff member's chosen language (their views and alerts are written in it); when the
counsellor of a group got it (their inactivity counts from there, not from when they joined);
when an offer was superseded by a newer question of the same person (only the latest is
honoured).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db.types import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff_members", sa.Column("language", sa.String(2), nullable=True))
    op.add_column("peer_groups", sa.Column("counsellor_since", UTCDateTime(timezone=True), nullable=True))
    op.add_column("offers", sa.Column("superseded_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("offers", "superseded_at")
    op.drop_column("peer_groups", "counsellor_since")
    op.drop_column("staff_members", "language")
