"""registry linkage: the keyed hash of a participant's single-use enrollment code

`participants.code_hash`: HMAC-SHA256 of the code under LOTGENOOT_LINKAGE_KEY, so a trusted
third party can link a municipality's records to pseudonyms (`lotgenoot linkage export`);
emptied by /delete. Plain add_column: participants is referred to by foreign keys.
`linkage_imports`: one row per `lotgenoot linkage import` (counts only; SPEC §11.5).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_COUNTS = ("rows", "matched", "unmatched", "duplicates", "stored", "changed", "unchanged")


def upgrade() -> None:
    op.add_column("participants", sa.Column("code_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "linkage_imports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("imported_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_imports")),
    )


def downgrade() -> None:
    op.drop_table("linkage_imports")
    op.drop_column("participants", "code_hash")
