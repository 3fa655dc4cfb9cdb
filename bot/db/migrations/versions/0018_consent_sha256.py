"""participants.consent_sha256: the hash of the consent's words beside its version label

The consent text is now protocol data; the version label alone cannot show which words a person
agreed to, so the SHA-256 of the consent section is stored with each consent. Earlier rows keep
NULL: their words were the software's catalogue text of that version.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy of participants would trip the foreign keys on SQLite
    op.add_column("participants", sa.Column("consent_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("participants", "consent_sha256")
