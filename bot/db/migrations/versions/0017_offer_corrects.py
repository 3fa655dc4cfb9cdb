"""what an undo button takes back

An offered correction (↩️ Undo's "Remove it?") names the entry it would correct, so the tap
records the correction of exactly that entry, once.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("corrects_event_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("corrects_event_id")
