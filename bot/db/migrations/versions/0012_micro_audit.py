"""micro audit: the decision log as one keyed hash chain, and erasure tombstones

Each micro-randomized decision gets a sequence number, the previous decision's hash and its own
(HMAC under a key derived from the allocation seed), so `lotgenoot study verify` sees a deleted,
added or edited decision. Decisions made before this revision stay unchained (legacy). Lawful
erasure leaves a keyed tombstone per decision in `micro_erasures`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE, also on SQLite: nullable columns need no table copy
    op.add_column("micro_decisions", sa.Column("sequence", sa.Integer(), nullable=True))
    op.add_column("micro_decisions", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("micro_decisions", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index(
        "ux_micro_decisions_sequence", "micro_decisions", ["sequence"], unique=True
    )
    op.create_table(
        "micro_erasures",
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_micro_erasures_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_micro_erasures")),
    )


def downgrade() -> None:
    op.drop_table("micro_erasures")
    op.drop_index("ux_micro_decisions_sequence", table_name="micro_decisions")
    with op.batch_alter_table("micro_decisions") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("sequence")
