"""trial integrity: allocated people, re-enrollment refusals, expiring codes and invites

`allocated_people` holds a keyed hash of every Telegram id ever allocated (never erased), so a
person who deleted their data cannot enroll again for a fresh draw; `reenrollment_refusals`
counts such refused attempts per site. Enrollment codes and staff invites get an expiry, and
invites can be revoked like codes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocated_people",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_allocated_people")),
    )
    op.create_table(
        "reenrollment_refusals",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_reenrollment_refusals_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_reenrollment_refusals")),
    )
    # plain ALTER TABLE, also on SQLite: nullable columns need no table copy
    moment = bot.db.types.UTCDateTime(timezone=True)
    op.add_column("enrollment_codes", sa.Column("expires_at", moment, nullable=True))
    op.add_column("invites", sa.Column("expires_at", moment, nullable=True))
    op.add_column("invites", sa.Column("revoked_at", moment, nullable=True))


def downgrade() -> None:
    op.drop_column("invites", "revoked_at")
    op.drop_column("invites", "expires_at")
    op.drop_column("enrollment_codes", "expires_at")
    op.drop_table("reenrollment_refusals")
    op.drop_table("allocated_people")
