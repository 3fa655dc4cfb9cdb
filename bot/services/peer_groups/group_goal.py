"""The group goal (component `group_goal`): one shared target a week, the sum of the members'
plans (euros to save, or job-search steps), in one pinned message edited as the week goes on.

Progress is counted by the one ledger rule (`experiments.records.did` over the group's week,
`posts.week_done`), as `/groups` and the weekly progress post count it, corrections included:
everything the joined members logged in the week, whoever made a plan. When the group first
reaches its target the pinned message is edited (quietly: an edit notifies nobody) and one short
celebration follows as a new message, once a week; the figures stay in the pinned message, the
celebration does not repeat them. No money moves.

The scan recounts a week only when something changed: a plan (the tap marks the row stale) or
a logged event newer than the last one it counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.group_weeks import GroupWeek
from bot.db.groups import GroupStatus, PeerGroup
from bot.db.study import Event
from bot.i18n import Language, plural, text
from bot.i18n.money import format_amount
from bot.outbox import OutboxKind, OutgoingCall, enqueue
from bot.outbox.outcomes import Outcome
from bot.outbox.store import ClaimedMessage
from bot.services.peer_groups.bilingual import group_languages, in_languages
from bot.services.peer_groups.checkin_week import (
    group_post,
    joined_members,
    may_have,
    record_message_id,
    show,
    week_answers,
    week_of,
)
from bot.services.peer_groups.ingredients import group_has
from bot.services.peer_groups.messaging import post
from bot.services.peer_groups.posts import week_done
from bot.services.trial import Trial
from experiments.protocol import Component, Track
from experiments.records import LOGGED_KINDS

__all__ = ["POST_KIND", "GoalScan", "close", "goal_text", "post_ended", "scan_group_goals"]

POST_KIND = OutboxKind.GROUP_GOAL


@dataclass
class GoalScan:
    posted: int = 0
    edited: int = 0
    reached: int = 0


async def scan_group_goals(session: AsyncSession, trial: Trial, now: datetime) -> GoalScan:
    """Post, update or celebrate the goal of each group week still open."""
    scan = GoalScan()
    protocol = trial.protocol
    drawn = protocol.group_factorial is not None and (
        Component.GROUP_GOAL in protocol.group_factorial.factors
    )
    if not protocol.arms_with(Component.GROUP_GOAL) and not drawn:
        return scan
    rows = await session.scalars(
        select(GroupWeek)
        .where(GroupWeek.closed_at.is_(None), GroupWeek.week_end > now)
        .order_by(GroupWeek.id)
    )
    for row in list(rows):
        group = await session.get(PeerGroup, row.group_id)
        if group is None or group.status is not GroupStatus.ACTIVE:
            continue
        if not may_have(trial, group, Component.GROUP_GOAL):
            continue
        if not await group_has(session, trial, group, Component.GROUP_GOAL):
            continue
        await _update(session, group, row, now, scan)
    return scan


async def _update(
    session: AsyncSession, group: PeerGroup, row: GroupWeek, now: datetime, scan: GoalScan
) -> None:
    members = await joined_members(session, group)
    newest = await session.scalar(
        select(func.max(Event.id)).where(
            Event.participant_id.in_(members),
            Event.kind.in_(LOGGED_KINDS),
            Event.occurred_at >= row.week_start,
        )
    )
    if newest == row.goal_event_id and not row.goal_stale:
        return  # no plan changed and nothing was logged since the last count
    answers = await week_answers(session, row, members)
    savings = group.track == Track.SAVINGS
    row.goal_unit = "cents" if savings else "steps"
    row.goal_target = sum(choice.goal_units for choice in answers.plans.values())
    done = await week_done(session, group, week_of(row))
    row.goal_progress = sum(max(0, d.saved_cents) if savings else d.steps for d in done)
    row.goal_event_id, row.goal_stale = newest, False
    if row.goal_target <= 0 and row.goal_posted_at is None:
        return  # no goal yet: nobody planned anything that adds up
    words = goal_text(group, row, await group_languages(session, group))
    if row.goal_posted_at is None:
        row.goal_posted_at = now
        await group_post(session, group, row, "goal", words, (), kind=POST_KIND, now=now)
        scan.posted += 1
    elif await show(
        session, group, row, "goal", words, (), kind=OutboxKind.GROUP_GOAL_EDIT, now=now
    ):
        scan.edited += 1
    if _reached(row) and row.goal_reached_at is None:
        row.goal_reached_at = now
        await _celebrate(session, group, row, now)
        scan.reached += 1


def _reached(row: GroupWeek) -> bool:
    return row.goal_target > 0 and row.goal_progress >= row.goal_target


def goal_text(
    group: PeerGroup, row: GroupWeek, languages: Sequence[Language], *, ended: bool = False
) -> str:
    """The pinned message: the week's target and how far the group got (counts, no names), in
    each of the members' languages."""
    state = "goal_ended" if ended else "goal_reached" if _reached(row) else "goal"
    key = f"checkin.{state}_{_track(group)}"
    return in_languages(languages, lambda lang: text(lang, key, **_amounts(group, row, lang)))


def _track(group: PeerGroup) -> Track:
    return Track.SAVINGS if group.track == Track.SAVINGS else Track.JOBSEARCH


def _amounts(group: PeerGroup, row: GroupWeek, language: Language) -> dict[str, str]:
    """The target and the progress as the group reads them: euros, or steps."""
    if _track(group) is Track.SAVINGS:
        return {
            "target": format_amount(row.goal_target, language),
            "progress": format_amount(row.goal_progress, language),
        }
    return {
        "target": plural(language, "checkin.steps", row.goal_target),
        "progress": plural(language, "checkin.steps", row.goal_progress),
    }


async def _celebrate(
    session: AsyncSession, group: PeerGroup, row: GroupWeek, now: datetime
) -> None:
    """A short cheer in the group, the first time this week's goal is reached: the one new
    message members are notified of (the figures are in the edited pinned goal)."""
    key = f"checkin.celebrate_{_track(group)}"
    languages = await group_languages(session, group)
    words = in_languages(languages, lambda lang: text(lang, key))
    await post(
        session, group, words, kind=OutboxKind.GROUP_GOAL_REACHED,
        intent=f"{OutboxKind.GROUP_GOAL_REACHED}:{row.id}", now=now,
    )  # fmt: skip


async def close(session: AsyncSession, group: PeerGroup, row: GroupWeek, now: datetime) -> None:
    """The week ended: the goal message keeps what the group did and is unpinned."""
    if row.goal_posted_at is None:
        return
    words = goal_text(group, row, await group_languages(session, group), ended=True)
    await show(session, group, row, "goal", words, (), kind=OutboxKind.GROUP_GOAL_EDIT, now=now)
    if row.goal_message_id is not None and group.telegram_chat_id is not None:
        await enqueue(session, _pin(group, row, row.goal_message_id, pin=False), now)


def _pin(group: PeerGroup, row: GroupWeek, message_id: int, *, pin: bool) -> OutgoingCall:
    assert group.telegram_chat_id is not None
    method = "pinChatMessage" if pin else "unpinChatMessage"
    return OutgoingCall(
        chat_id=group.telegram_chat_id,
        method=method,
        params={"message_id": message_id},
        kind=OutboxKind.GROUP_GOAL_PIN,
        intent_key=f"{OutboxKind.GROUP_GOAL_PIN}:{row.id}:{'pin' if pin else 'unpin'}",
    )


async def post_ended(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """The goal reached the group: keep its Telegram id (to edit it) and pin it."""
    row = await record_message_id(session, message, outcome)
    if row is None or row.goal_message_id is None or row.closed_at is not None:
        return
    group = await session.get(PeerGroup, row.group_id)
    if group is None or group.telegram_chat_id is None:
        return
    await enqueue(session, _pin(group, row, row.goal_message_id, pin=True), now)
