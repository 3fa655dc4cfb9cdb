"""who bound a group

The staff member who sent /bind, so that when they are removed the admin hears about the
Telegram group they may still own, also after the group was handed to another counsellor.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("peer_groups") as batch:
        batch.add_column(sa.Column("bound_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_peer_groups_bound_by_id_staff_members"),
            "staff_members",
            ["bound_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("peer_groups") as batch:
        batch.drop_constraint(
            batch.f("fk_peer_groups_bound_by_id_staff_members"), type_="foreignkey"
        )
        batch.drop_column("bound_by_id")
