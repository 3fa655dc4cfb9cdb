"""protocol registrations

`lotgenoot study register` records the SHA-256 (and text) of the protocol file whose analysis
plan it registered; the report compares the protocol in use with the latest one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "protocol_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("protocol_text", sa.Text(), nullable=False),
        sa.Column("registered_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_registrations")),
    )


def downgrade() -> None:
    op.drop_table("protocol_registrations")
