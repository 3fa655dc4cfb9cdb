"""reach_steps: codes issued, links opened, consent shown, declined, refused as returning

One dated row per step at a site and never who (SPEC §11.5), so the reach funnel can be shown per
site and cut at a data date.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 17:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reach_steps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_reach_steps_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reach_steps")),
    )
    op.create_index(op.f("ix_reach_steps_site_id"), "reach_steps", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reach_steps_site_id"), table_name="reach_steps")
    op.drop_table("reach_steps")
