"""micro-randomized decisions

The append-only log of micro-randomized nudges: per participant, component and decision point,
availability, probability, the draw and whether the nudge was sent.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "micro_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("decision_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("unavailable_reason", sa.String(length=20), nullable=True),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("draw", sa.Float(), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("intent_key", sa.String(length=120), nullable=True),
        sa.Column("recorded_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_micro_decisions_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_micro_decisions")),
        sa.UniqueConstraint(
            "participant_id",
            "component",
            "decision_at",
            name=op.f("uq_micro_decisions_participant_id"),
        ),
    )
    op.create_index("ix_micro_decisions_decision_at", "micro_decisions", ["decision_at"])


def downgrade() -> None:
    op.drop_index("ix_micro_decisions_decision_at", table_name="micro_decisions")
    op.drop_table("micro_decisions")
