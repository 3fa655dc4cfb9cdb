"""A peer group's week of check-in and shared goal: a record without a person (SPEC §11.5).

One row per group and group week, made when the week's plan prompt is posted. It holds the
group's counts (members, plans, answers), the goal (the sum of the plans) and how far the group
got, when each message was posted and which Telegram messages to edit. The members' own plans and
answers are events (`checkin_plan`, `checkin_review`); this row only counts them. The counts are
updated as answers come in, so a report that goes back to an earlier data date sees them as they
stand now (the events themselves are cut at the data date).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class GroupWeek(Base):
    """One peer group's check-in week: counts, goal and the messages that show them."""

    __tablename__ = "group_weeks"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"))
    week_start: Mapped[datetime]
    week_end: Mapped[datetime]
    # members who had joined when the counts were last updated; plans and answers among them
    members: Mapped[int] = mapped_column(default=0)
    plans: Mapped[int] = mapped_column(default=0)
    reviews_yes: Mapped[int] = mapped_column(default=0)
    reviews_partly: Mapped[int] = mapped_column(default=0)
    reviews_no: Mapped[int] = mapped_column(default=0)
    plan_posted_at: Mapped[datetime]
    review_posted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # the group goal (component group_goal): the sum of the plans, in cents or steps
    goal_unit: Mapped[str | None] = mapped_column(String(8))
    goal_target: Mapped[int] = mapped_column(default=0)
    goal_progress: Mapped[int] = mapped_column(default=0)
    goal_posted_at: Mapped[datetime | None]
    goal_reached_at: Mapped[datetime | None]
    # the newest logged event the goal has counted, and whether a plan changed since
    goal_event_id: Mapped[int | None] = mapped_column(BigInteger)
    goal_stale: Mapped[bool] = mapped_column(default=False)
    # the bot's messages in the group's chat (Telegram ids, never exported)
    plan_message_id: Mapped[int | None] = mapped_column(BigInteger)
    review_message_id: Mapped[int | None] = mapped_column(BigInteger)
    goal_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # what each message shows (or was last asked to show): an edit is queued only on a change,
    # since Telegram refuses an edit that changes nothing
    shown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("group_id", "week_start"),)
