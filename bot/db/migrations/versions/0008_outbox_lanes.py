"""outbox priority lanes: outbox_messages.priority and rank_at

Every row gets a lane (1 direct replies and Bot API calls, 2 personal messages, 3 group posts
and bulk) and the order the claim takes it in (`rank_at`: its due time plus its lane's grace).
Rows already queued are put in the lane their kind implies.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLIES = ("reply", "error", "congratulation", "confirmation", "group_reply", "group_bound")
GROUP_POSTS = ("group_progress", "curriculum", "group_deposit_cheer", "group_welcome")


def upgrade() -> None:
    # SQLite adds a NOT NULL column only with a default; existing rows then get their lane
    op.add_column(
        "outbox_messages",
        sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="2"),
    )
    op.add_column(
        "outbox_messages",
        sa.Column("rank_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    replies = ", ".join(f"'{kind}'" for kind in REPLIES)
    posts = ", ".join(f"'{kind}'" for kind in GROUP_POSTS)
    op.execute(f"UPDATE outbox_messages SET priority = 1 WHERE kind IN ({replies})")
    op.execute(f"UPDATE outbox_messages SET priority = 3 WHERE kind IN ({posts})")
    # the grace of each lane is added by the code for new rows; queued rows keep their age
    op.execute("UPDATE outbox_messages SET rank_at = not_before")
    # no default afterwards: a row without a lane cannot be written (SQLite copies the table
    # to change a column; nothing refers to the outbox, and its indexes are made again)
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column(
            "rank_at", existing_type=bot.db.types.UTCDateTime(timezone=True), nullable=False
        )
        batch.alter_column("priority", existing_type=sa.SmallInteger(), server_default=None)


def downgrade() -> None:
    op.drop_column("outbox_messages", "rank_at")
    op.drop_column("outbox_messages", "priority")
