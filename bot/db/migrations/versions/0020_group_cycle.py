"""group cycle and a visible counsellor: group_events, the cycle's and digest's times, staff names

A group's cycle runs `groups.cycle_length` from its formation (mid-point, closing week, close);
the counsellor gets a weekly digest of each group; what happens to a group as a whole, without
a person (SPEC §11.5), goes to `group_events`. Staff accept a display name and a language with
their invite (SPEC §11.4).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_members") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))
    with op.batch_alter_table("peer_groups") as batch:
        for column in ("next_digest_at", "next_cycle_at", "closed_at"):
            batch.add_column(
                sa.Column(column, bot.db.types.UTCDateTime(timezone=True), nullable=True)
            )
        batch.create_index("ix_peer_groups_digest", ["status", "next_digest_at"], unique=False)
    op.create_table(
        "group_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_group_events_group_id_peer_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_group_events_dedupe_key")),
    )
    op.create_index(
        "ix_group_events_group_kind", "group_events", ["group_id", "kind", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_group_events_group_kind", table_name="group_events")
    op.drop_table("group_events")
    with op.batch_alter_table("peer_groups") as batch:
        batch.drop_index("ix_peer_groups_digest")
        for column in ("closed_at", "next_cycle_at", "next_digest_at"):
            batch.drop_column(column)
    with op.batch_alter_table("staff_members") as batch:
        batch.drop_column("language")
        batch.drop_column("display_name")
