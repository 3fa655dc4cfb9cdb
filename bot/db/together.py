"""Tables of a peer group's opt-in ingredients: what each member chose (shared progress, a buddy,
hosting a week), the buddy pairs, the host weeks, and the group's own events (SPEC §11.5).

The one name Lotgenoot keeps (SPEC §11.4) lives here, in `member_choices.shown_name`: the name a
member confirmed by a tap for sharing or for their buddy, kept while either is on and erased by
/delete. It is never exported: the research tables read only the events and `group_events`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, string_enum
from bot.db.types import BigIntId
from experiments.records import GroupEventKind

NAME_LENGTH = 32


class MemberChoices(Base):
    """What one group member chose; everything is off until they switch it on."""

    __tablename__ = "member_choices"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), index=True)
    # the name shown to the group or the buddy, confirmed by a tap (never exported)
    shown_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    # a name offered for confirmation, what it is for (sharing, buddy, host), and since when a
    # typed message is taken as the name (a short while only)
    pending_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    pending_for: Mapped[str | None] = mapped_column(String(10))
    naming_since: Mapped[datetime | None]
    sharing_since: Mapped[datetime | None]
    buddy_since: Mapped[datetime | None]
    buddy_pair_id: Mapped[int | None] = mapped_column(ForeignKey("buddy_pairs.id"))
    host_since: Mapped[datetime | None]
    hosted: Mapped[int] = mapped_column(default=0)  # weeks hosted: the rotation's count
    invited_at: Mapped[datetime | None]


class BuddyPair(Base):
    """Two (at most once per group, three) members who opted in and hear about each other."""

    __tablename__ = "buddy_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), index=True)
    formed_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class HostWeek(Base):
    """One group week of a group with host rotation: who hosts it (none when nobody was
    willing), the topic handed to them, how it reached the group, and the one pin it allows."""

    __tablename__ = "host_weeks"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"))
    week_start: Mapped[datetime]
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    topic_week: Mapped[int | None]  # the curriculum week handed to the host, if any
    handed_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    posted_how: Mapped[str | None] = mapped_column(String(12))  # tap, own_words or bot
    pinned_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("group_id", "week_start"),)


class GroupEvent(Base):
    """Something that happened to a group, with no person in it (SPEC §11.5); exported.
    Appended, never edited: the opt-in ingredients' rounds and host weeks (`week_start`), a
    visible counsellor's posts, answers and digests, the steps of a group's cycle."""

    __tablename__ = "group_events"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"))
    kind: Mapped[GroupEventKind] = mapped_column(string_enum(GroupEventKind, length=40))
    week_start: Mapped[datetime | None]
    quantity: Mapped[int | None]  # a count the kind explains (members, deposits, ...)
    occurred_at: Mapped[datetime]
    # how (a post by /post, a tap on a suggestion, in the chat; an answer typed or canned)
    via: Mapped[str | None] = mapped_column(String(20))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    __table_args__ = (Index("ix_group_events_group_kind", "group_id", "kind", "week_start"),)
