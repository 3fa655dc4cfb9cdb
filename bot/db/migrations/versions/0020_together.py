"""together: members' choices (shared progress, buddy, host), buddy pairs, host weeks and the
groups' own events

Issue 26, points 3-5: every visibility feature of a peer group is opt-in. `member_choices`
holds what each member chose and the one name they confirmed (never exported, erased by
/delete); `buddy_pairs` and `host_weeks` run the buddies and the host rotation;
`group_events` records what happened to a group without a person (SPEC §11.5).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = bot.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "buddy_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("formed_at", moment, nullable=False),
        sa.Column("ended_at", moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_buddy_pairs_group_id_peer_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_pairs")),
    )
    op.create_index(op.f("ix_buddy_pairs_group_id"), "buddy_pairs", ["group_id"], unique=False)
    op.create_table(
        "member_choices",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("shown_name", sa.String(length=32), nullable=True),
        sa.Column("pending_name", sa.String(length=32), nullable=True),
        sa.Column("pending_for", sa.String(length=10), nullable=True),
        sa.Column("naming_since", moment, nullable=True),
        sa.Column("sharing_since", moment, nullable=True),
        sa.Column("buddy_since", moment, nullable=True),
        sa.Column("buddy_pair_id", sa.Integer(), nullable=True),
        sa.Column("host_since", moment, nullable=True),
        sa.Column("hosted", sa.Integer(), nullable=False),
        sa.Column("invited_at", moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["buddy_pair_id"],
            ["buddy_pairs.id"],
            name=op.f("fk_member_choices_buddy_pair_id_buddy_pairs"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_member_choices_group_id_peer_groups")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_member_choices_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_member_choices")),
    )
    op.create_index(
        op.f("ix_member_choices_group_id"), "member_choices", ["group_id"], unique=False
    )
    op.create_table(
        "host_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("week_start", moment, nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("topic_week", sa.Integer(), nullable=True),
        sa.Column("handed_at", moment, nullable=True),
        sa.Column("posted_at", moment, nullable=True),
        sa.Column("posted_how", sa.String(length=12), nullable=True),
        sa.Column("pinned_at", moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_host_weeks_group_id_peer_groups")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_host_weeks_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_weeks")),
        sa.UniqueConstraint("group_id", "week_start", name=op.f("uq_host_weeks_group_id")),
    )
    op.create_table(
        "group_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("week_start", moment, nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("occurred_at", moment, nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["peer_groups.id"], name=op.f("fk_group_events_group_id_peer_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_group_events_dedupe_key")),
    )
    op.create_index(
        "ix_group_events_group_kind",
        "group_events",
        ["group_id", "kind", "week_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_group_events_group_kind", table_name="group_events")
    op.drop_table("group_events")
    op.drop_table("host_weeks")
    op.drop_index(op.f("ix_member_choices_group_id"), table_name="member_choices")
    op.drop_table("member_choices")
    op.drop_index(op.f("ix_buddy_pairs_group_id"), table_name="buddy_pairs")
    op.drop_table("buddy_pairs")
