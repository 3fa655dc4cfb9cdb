"""outcomes that last: the end of a person's intervention, and retention checks

`participants.ended_at`: when their intervention ended and they were told what continues.
`retention_checks`: "do you still have this work?" at the protocol's times after a job or
training start, each asked once and answered once.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = bot.db.types.UTCDateTime(timezone=True)
    op.add_column("participants", sa.Column("ended_at", moment, nullable=True))
    op.create_table(
        "retention_checks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("start_event_id", sa.BigInteger(), nullable=False),
        sa.Column("check_name", sa.String(length=8), nullable=False),
        sa.Column("due_at", moment, nullable=False),
        sa.Column("asked_at", moment, nullable=True),
        sa.Column("answered_at", moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_retention_checks_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_checks")),
    )
    op.create_index(
        "ix_retention_checks_due", "retention_checks", ["asked_at", "due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_retention_checks_due", table_name="retention_checks")
    op.drop_table("retention_checks")
    op.drop_column("participants", "ended_at")
