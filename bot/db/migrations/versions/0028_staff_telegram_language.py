"""staff members' Telegram language: what the bot speaks with a staff member who chose none

`staff_members.telegram_language` is recorded from Telegram's language_code each time the
staff member writes, so messages the bot starts (outreach prompts, forwarded answers, call
tasks, alerts) use the same language as its replies to them.

Plain add_column/drop_column (no batch copy).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff_members", sa.Column("telegram_language", sa.String(2), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_members", "telegram_language")
