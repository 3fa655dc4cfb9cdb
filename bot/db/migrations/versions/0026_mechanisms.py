"""mechanism components: a private curriculum and the counsellor's own check-in

Arms with `curriculum` but no peer group get each week's topic privately: a participant's row
holds when their next topic is due and which week it is. Arms with `counsellor_outreach` get a
check-in from their counsellor at the protocol's rhythm: a participant's row holds when the next
is due, and a ticket the counsellor started carries its round.

Plain add_column/drop_column: a batch copy of these tables would trip SQLite's foreign keys
(other tables refer to participants and tickets).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMES = ("next_topic_at", "next_outreach_at")


def upgrade() -> None:
    for column in _TIMES:
        op.add_column(
            "participants",
            sa.Column(column, bot.db.types.UTCDateTime(timezone=True), nullable=True),
        )
    op.add_column(
        "participants",
        sa.Column("topic_week", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index("ix_participants_topic", "participants", ["status", "next_topic_at"])
    op.create_index("ix_participants_outreach", "participants", ["status", "next_outreach_at"])
    op.add_column("tickets", sa.Column("outreach_round", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "outreach_round")
    op.drop_index("ix_participants_outreach", table_name="participants")
    op.drop_index("ix_participants_topic", table_name="participants")
    op.drop_column("participants", "topic_week")
    for column in reversed(_TIMES):
        op.drop_column("participants", column)
