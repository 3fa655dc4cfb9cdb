"""counsellor inbox: tickets, and each participant's counsellor

Arms with the `counsellor_contact` component give every participant a counsellor
(`participants.counsellor_id`, a staff member's id) whom they can ask questions; each question is
a ticket whose text is kept only until it is closed plus the protocol's retention period.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = bot.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("draft", "open", "closed", name="ticketstatus", native_enum=False, length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("opened_at", moment, nullable=True),
        sa.Column("answered_at", moment, nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("reminded_at", moment, nullable=True),
        sa.Column("escalated_at", moment, nullable=True),
        sa.Column("closed_at", moment, nullable=True),
        sa.Column("forgotten_at", moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["counsellor_id"], ["staff_members.id"], name=op.f("fk_tickets_counsellor_id_staff_members")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_tickets_participant_id_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(op.f("ix_tickets_participant_id"), "tickets", ["participant_id"], unique=False)
    op.create_index("ix_tickets_status_opened", "tickets", ["status", "opened_at"], unique=False)
    op.create_index(
        "ix_tickets_counsellor_status", "tickets", ["counsellor_id", "status"], unique=False
    )
    op.create_table(
        "ticket_messages",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_ticket_messages")),
    )
    op.create_index(
        op.f("ix_ticket_messages_ticket_id"), "ticket_messages", ["ticket_id"], unique=False
    )
    # plain ALTER TABLE, also on SQLite: a nullable column without a foreign key needs no copy
    op.add_column("participants", sa.Column("counsellor_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("participants", "counsellor_id")
    op.drop_index(op.f("ix_ticket_messages_ticket_id"), table_name="ticket_messages")
    op.drop_table("ticket_messages")
    op.drop_index("ix_tickets_counsellor_status", table_name="tickets")
    op.drop_index("ix_tickets_status_opened", table_name="tickets")
    op.drop_index(op.f("ix_tickets_participant_id"), table_name="tickets")
    op.drop_table("tickets")
