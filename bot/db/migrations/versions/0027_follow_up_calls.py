"""follow-up calls: non-responders' logged draws and call tasks; how an answer was collected

A wave not answered after the automated reminders makes a `call_tasks` row; its draw (double
sampling) is logged there and a chosen person's task is worked on by a research assistant or
counsellor. `survey_answers.mode` says whether the person answered (`self`) or a staff member
entered the answers (`staff`).

Plain add_column/drop_column on survey_answers (no batch copy).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_tasks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("draw", sa.Float(), nullable=True),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "wave"),
    )
    op.create_index("ix_call_tasks_due", "call_tasks", ["status", "due_at"], unique=False)
    op.add_column(
        "survey_answers",
        sa.Column("mode", sa.String(length=8), server_default="self", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("survey_answers", "mode")
    op.drop_index("ix_call_tasks_due", table_name="call_tasks")
    op.drop_table("call_tasks")
