"""Tables of the peer groups: the pool, groups and members, and the logs that make them auditable.

Group message *text* has no column anywhere: activity is counted (events, `last_active_at`),
and only a reported message keeps its text, until the report is resolved.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, string_enum
from bot.db.types import BigIntId
from experiments.protocol import Track


class GroupStatus(enum.StrEnum):
    """A group is formed, then bound to a Telegram chat by its counsellor."""

    AWAITING_BIND = "awaiting_bind"
    ACTIVE = "active"
    CLOSED = "closed"


class MemberStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    JOINED = "joined"
    LEFT = "left"
    REMOVED = "removed"


class PoolEntry(Base):
    """A peer-arm participant waiting for (or placed in) a group; kept for the group flow."""

    __tablename__ = "pool_entries"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    arm: Mapped[str] = mapped_column(String(40))
    track: Mapped[Track] = mapped_column(string_enum(Track, length=20))
    age_band: Mapped[str] = mapped_column(String(32))
    entered_at: Mapped[datetime]
    placed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_pool_entries_waiting", "placed_at", "arm", "track", "age_band"),)


class PeerGroup(Base):
    """A peer group; `code` is what its counsellor sends as `/bind <code>` in the Telegram group."""

    __tablename__ = "peer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    arm: Mapped[str] = mapped_column(String(40))
    track: Mapped[Track] = mapped_column(string_enum(Track, length=20))
    age_band: Mapped[str] = mapped_column(String(80))  # "26-35", or "21-25+26-35" when merged
    language: Mapped[str] = mapped_column(String(2))
    formed_size: Mapped[int]
    status: Mapped[GroupStatus] = mapped_column(string_enum(GroupStatus))
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    # when the counsellor got the group: their first chance to act on it
    counsellor_since: Mapped[datetime | None]
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    formed_at: Mapped[datetime]
    bound_at: Mapped[datetime | None]
    # who sent /bind: they may own the Telegram group after handing the group over
    bound_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    next_progress_at: Mapped[datetime | None]
    next_curriculum_at: Mapped[datetime | None]
    curriculum_week: Mapped[int] = mapped_column(default=1)
    below_min_since: Mapped[datetime | None]
    # the counsellor's next weekly digest of this group, and the cycle's next step (mid-point,
    # closing week, close), both set by their scans; when the cycle closed the group
    next_digest_at: Mapped[datetime | None]
    next_cycle_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_peer_groups_progress", "status", "next_progress_at"),
        Index("ix_peer_groups_curriculum", "status", "next_curriculum_at"),
        Index("ix_peer_groups_digest", "status", "next_digest_at"),
    )


class GroupMember(Base):
    """A participant's place in a group, under a pseudonymous tag (also their join link's name)."""

    __tablename__ = "group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    tag: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[MemberStatus] = mapped_column(string_enum(MemberStatus))
    invite_link: Mapped[str | None] = mapped_column(String(200))
    link_sent_at: Mapped[datetime | None]
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    last_active_at: Mapped[datetime | None]
    warnings: Mapped[int] = mapped_column(default=0)
    muted_until: Mapped[datetime | None]


class FormationDecision(Base):
    """Why a group was formed, filled, merged or assigned (or why a pool keeps waiting)."""

    __tablename__ = "formation_decisions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    arm: Mapped[str] = mapped_column(String(40))
    track: Mapped[Track] = mapped_column(string_enum(Track, length=20))
    age_band: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(400))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("peer_groups.id"))
    size: Mapped[int | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class GroupIngredients(Base):
    """A group's group-factorial draw (SPEC §11.9): its stratum, its position there, its cell.

    Drawn once at formation from the allocation seed; `study verify` recomputes every cell."""

    __tablename__ = "group_ingredients"

    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    cell: Mapped[str] = mapped_column(String(120))
    drawn_at: Mapped[datetime]

    __table_args__ = (Index("ux_group_ingredients_position", "stratum", "position", unique=True),)


class ModerationAction(Base):
    """Who did what to whom in a group, why and when; the actor is staff or the bot itself."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"))
    at: Mapped[datetime]
    actor_role: Mapped[str] = mapped_column(String(20))  # counsellor, admin or bot
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(20))
    target_member_id: Mapped[int | None] = mapped_column(ForeignKey("group_members.id"))
    reason: Mapped[str | None] = mapped_column(String(300))
    until: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_moderation_actions_group_at", "group_id", "at"),)


class GroupReport(Base):
    """A message a member reported; its text is kept only until the report is resolved."""

    __tablename__ = "group_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"))
    at: Mapped[datetime]
    reporter_member_id: Mapped[int | None] = mapped_column(ForeignKey("group_members.id"))
    reported_member_id: Mapped[int | None] = mapped_column(ForeignKey("group_members.id"))
    message_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_group_reports_open", "resolved_at", "group_id"),)


class FloodWindow(Base):
    """Telegram timestamps of someone's recent messages in a group: the flood-control window.

    In the database rather than process memory, so every process sharing updates sees the
    same counts; only the last `flood_window` of stamps is kept, and idle rows are pruned.
    """

    __tablename__ = "flood_windows"

    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    stamps: Mapped[list[float]] = mapped_column(JSON)
    last_at: Mapped[datetime]
