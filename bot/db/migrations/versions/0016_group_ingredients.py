"""group_ingredients: each peer group's group-factorial draw (stratum, position, cell)

A study may draw group-level ingredients (buddies, shared progress …) per group at formation,
from the allocation seed under a label of its own; this table records the draw so that
`study verify` can recompute it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_ingredients",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("cell", sa.String(length=120), nullable=False),
        sa.Column("drawn_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_group_ingredients_group_id_peer_groups")
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_ingredients")),
    )
    op.create_index(
        "ux_group_ingredients_position",
        "group_ingredients",
        ["stratum", "position"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_group_ingredients_position", table_name="group_ingredients")
    op.drop_table("group_ingredients")
