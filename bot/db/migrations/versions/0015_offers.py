"""offers: what the bot offered to record, so a tap records exactly that, once

Each inline button that would record a deposit or a job-search step is a row (person, question,
kind, amount or count or detail, when offered, when answered). A tap names the row; button data
no longer decides an amount.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = bot.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "offers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=40), nullable=True),
        sa.Column("offered_at", moment, nullable=False),
        sa.Column("answered_at", moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_offers_participant_id_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(
        "ix_offers_participant_question", "offers", ["participant_id", "question"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_offers_participant_question", table_name="offers")
    op.drop_table("offers")
