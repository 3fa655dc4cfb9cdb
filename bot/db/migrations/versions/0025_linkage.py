"""registry linkage: the keyed hash of a participant's single-use enrollment code

`participants.code_hash`: HMAC-SHA256 of the code under LOTGENOOT_LINKAGE_KEY, so a trusted
third party can link a municipality's records to pseudonyms (`lotgenoot linkage export`);
emptied by /delete. Plain add_column: participants is referred to by foreign keys.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("participants", sa.Column("code_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("participants", "code_hash")
