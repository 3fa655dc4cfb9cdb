"""group cycle and a visible counsellor: the cycle's and digest's times, how a group event came
about, staff display names

A group's cycle runs `groups.cycle_length` from its formation (mid-point, closing week, close);
the counsellor gets a weekly digest of each group; the counsellor's posts and answers and the
cycle's steps go to `group_events` (made by 0020, SPEC §11.5) with `via` saying how. Staff accept
a display name with their invite (SPEC §11.4; their language is 0021's).

Plain add_column/drop_column: a batch copy of these tables would trip SQLite's foreign keys
(other tables refer to peer_groups and staff_members).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMES = ("next_digest_at", "next_cycle_at", "closed_at")


def upgrade() -> None:
    op.add_column("staff_members", sa.Column("display_name", sa.String(length=64), nullable=True))
    for column in _TIMES:
        op.add_column(
            "peer_groups",
            sa.Column(column, bot.db.types.UTCDateTime(timezone=True), nullable=True),
        )
    op.create_index(
        "ix_peer_groups_digest", "peer_groups", ["status", "next_digest_at"], unique=False
    )
    op.add_column("group_events", sa.Column("via", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column("group_events", "via")
    op.drop_index("ix_peer_groups_digest", table_name="peer_groups")
    for column in reversed(_TIMES):
        op.drop_column("peer_groups", column)
    op.drop_column("staff_members", "display_name")
