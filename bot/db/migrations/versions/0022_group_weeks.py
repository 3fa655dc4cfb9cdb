"""group_weeks: a peer group's check-in week (plans, answers, its goal), a record without a person

One row per group and group week (SPEC §11.5): counts of plans and answers, the group goal and
how far the group got, and which of the bot's messages in the chat to edit.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = bot.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "group_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("week_start", moment, nullable=False),
        sa.Column("week_end", moment, nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("plans", sa.Integer(), nullable=False),
        sa.Column("reviews_yes", sa.Integer(), nullable=False),
        sa.Column("reviews_partly", sa.Integer(), nullable=False),
        sa.Column("reviews_no", sa.Integer(), nullable=False),
        sa.Column("plan_posted_at", moment, nullable=False),
        sa.Column("review_posted_at", moment, nullable=True),
        sa.Column("closed_at", moment, nullable=True),
        sa.Column("goal_unit", sa.String(length=8), nullable=True),
        sa.Column("goal_target", sa.Integer(), nullable=False),
        sa.Column("goal_progress", sa.Integer(), nullable=False),
        sa.Column("goal_posted_at", moment, nullable=True),
        sa.Column("goal_reached_at", moment, nullable=True),
        sa.Column("goal_event_id", sa.BigInteger(), nullable=True),
        sa.Column("goal_stale", sa.Boolean(), nullable=False),
        sa.Column("plan_message_id", sa.BigInteger(), nullable=True),
        sa.Column("review_message_id", sa.BigInteger(), nullable=True),
        sa.Column("goal_message_id", sa.BigInteger(), nullable=True),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_group_weeks_group_id_peer_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_weeks")),
        sa.UniqueConstraint("group_id", "week_start", name=op.f("uq_group_weeks_group_id")),
    )


def downgrade() -> None:
    op.drop_table("group_weeks")
