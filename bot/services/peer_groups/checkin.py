"""The weekly check-in (component `checkin`): a plan prompt in the group at the protocol's plan
moment, "Gelukt?" at its review moment, and the week closed when it ends.

Like the other group posts, what is due follows from the tables: the scan makes a `group_weeks`
row when it posts a group's plan prompt (one per group and week, so a second tick or a second
process adds nothing), marks the review posted on that row, and closes rows whose week has
ended. A moment more than `stale_after` ago is skipped rather than posted late. Group posts
are exempt from the private daily budget (SPEC §11.1). The members' taps are handled in
`checkin_taps`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.group_weeks import GroupWeek
from bot.db.groups import GroupStatus, PeerGroup
from bot.outbox import OutboxKind
from bot.outbox.outcomes import Outcome
from bot.outbox.store import ClaimedMessage
from bot.services.peer_groups import group_goal
from bot.services.peer_groups.bilingual import group_languages
from bot.services.peer_groups.checkin_week import (
    group_post,
    joined_members,
    may_have,
    plan_message,
    record_message_id,
    recount,
    review_message,
    show,
)
from bot.services.peer_groups.ingredients import group_has
from bot.services.trial import Trial
from experiments.protocol import Component, uses_checkin

__all__ = ["POST_KINDS", "CheckinScan", "post_ended", "scan_checkins"]

# the posts whose Telegram message id the week's row keeps, to edit them later
POST_KINDS = (OutboxKind.CHECKIN_PLAN, OutboxKind.CHECKIN_REVIEW)


@dataclass
class CheckinScan:
    plans: int = 0  # plan prompts posted
    reviews: int = 0  # review prompts posted
    closed: int = 0  # weeks closed


async def scan_checkins(session: AsyncSession, trial: Trial, now: datetime) -> CheckinScan:
    """Close the weeks that ended, then post due plan and review prompts."""
    protocol = trial.protocol
    scan = CheckinScan()
    if not uses_checkin(protocol):
        return scan
    scan.closed = await _close_ended(session, trial, now)
    week = protocol.group_week(now)
    plan_at, review_at = protocol.checkin.moments(
        week, protocol.zone, protocol.schedule.week_starts
    )
    stale = protocol.schedule.stale_after
    if plan_at <= now < review_at and now - plan_at <= stale:
        scan.plans = await _ask_plans(session, trial, week.start, now)
    if review_at <= now and now - review_at <= stale:
        scan.reviews = await _ask_reviews(session, trial, week.start, now)
    return scan


async def _ask_plans(
    session: AsyncSession, trial: Trial, week_start: datetime | None, now: datetime
) -> int:
    """Post the plan prompt in each active group with the check-in that has none this week."""
    assert week_start is not None
    has_week = exists().where(
        GroupWeek.group_id == PeerGroup.id, GroupWeek.week_start == week_start
    )
    groups = await session.scalars(
        select(PeerGroup)
        .where(
            PeerGroup.status == GroupStatus.ACTIVE,
            PeerGroup.telegram_chat_id.is_not(None),
            ~has_week,
        )
        .order_by(PeerGroup.id)
    )
    posted = 0
    week = trial.protocol.group_week(week_start)
    assert week.end is not None
    for group in list(groups):
        if not may_have(trial, group, Component.CHECKIN):
            continue
        if not await group_has(session, trial, group, Component.CHECKIN):
            continue
        members = await joined_members(session, group)
        if not members:
            continue  # nobody to ask yet; a later tick asks once someone has joined
        row = GroupWeek(
            group_id=group.id,
            week_start=week_start,
            week_end=week.end,
            members=len(members),
            plans=0,
            reviews_yes=0,
            reviews_partly=0,
            reviews_no=0,
            plan_posted_at=now,
            goal_target=0,
            goal_progress=0,
            goal_stale=False,
            shown={},
        )
        session.add(row)
        await session.flush()
        spoken = await group_languages(session, group)
        words, buttons = plan_message(group, row, trial, open_=True, languages=spoken)
        await group_post(
            session, group, row, "plan", words, buttons,
            kind=OutboxKind.CHECKIN_PLAN, now=now,
            not_before=trial.protocol.next_allowed_time(now),
        )  # fmt: skip
        posted += 1
    return posted


async def _ask_reviews(
    session: AsyncSession, trial: Trial, week_start: datetime | None, now: datetime
) -> int:
    """Ask "Gelukt?" in each group asked for plans this week; its plans close (their message
    keeps the final count and loses its buttons). A week without plans asks nothing."""
    rows = await session.scalars(
        select(GroupWeek)
        .where(
            GroupWeek.week_start == week_start,
            GroupWeek.review_posted_at.is_(None),
            GroupWeek.closed_at.is_(None),
        )
        .order_by(GroupWeek.id)
    )
    posted = 0
    for row in list(rows):
        group = await session.get(PeerGroup, row.group_id)
        row.review_posted_at = now
        if group is None or group.status is not GroupStatus.ACTIVE:
            continue
        await recount(session, group, row)
        spoken = await group_languages(session, group)
        words, buttons = plan_message(group, row, trial, open_=False, languages=spoken)
        await show(
            session, group, row, "plan", words, buttons, kind=OutboxKind.CHECKIN_EDIT, now=now
        )
        if not row.plans:
            continue
        words, buttons = review_message(group, row, open_=True, languages=spoken)
        await group_post(
            session, group, row, "review", words, buttons,
            kind=OutboxKind.CHECKIN_REVIEW, now=now,
            not_before=trial.protocol.next_allowed_time(now),
        )  # fmt: skip
        posted += 1
    return posted


async def _close_ended(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Close each week that has ended: its messages keep their final counts without buttons,
    and the group goal is unpinned (`group_goal.close`)."""
    rows = await session.scalars(
        select(GroupWeek)
        .where(GroupWeek.week_end <= now, GroupWeek.closed_at.is_(None))
        .order_by(GroupWeek.id)
    )
    closed = 0
    for row in list(rows):
        row.closed_at = now
        closed += 1
        group = await session.get(PeerGroup, row.group_id)
        if group is None or group.status is not GroupStatus.ACTIVE:
            continue
        await recount(session, group, row)
        spoken = await group_languages(session, group)
        kind = OutboxKind.CHECKIN_EDIT
        words, buttons = plan_message(group, row, trial, open_=False, languages=spoken)
        await show(session, group, row, "plan", words, buttons, kind=kind, now=now)
        words, buttons = review_message(group, row, open_=False, languages=spoken)
        await show(session, group, row, "review", words, buttons, kind=kind, now=now)
        await group_goal.close(session, group, row, now)
    return closed


async def post_ended(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """A plan or review prompt reached the group: keep its Telegram id on the week's row, so
    the counts can be edited into it."""
    await record_message_id(session, message, outcome)
