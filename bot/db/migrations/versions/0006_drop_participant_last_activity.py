"""drop participants.last_activity_at

Nothing read it: activity is in the events (and group activity in group_members), and keeping
it cost an UPDATE of the participant's row beside every recorded event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 08:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ALTER TABLE, also on SQLite (3.35+): batch mode would copy the table, and dropping
    # the old copy fails while events and answers refer to it
    op.drop_column("participants", "last_activity_at")


def downgrade() -> None:
    op.add_column(
        "participants",
        sa.Column("last_activity_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute(
        "UPDATE participants SET last_activity_at = COALESCE("
        "(SELECT max(occurred_at) FROM events WHERE events.participant_id = participants.id),"
        " consented_at)"
    )
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add NOT NULL to a column
        op.alter_column("participants", "last_activity_at", nullable=False)
