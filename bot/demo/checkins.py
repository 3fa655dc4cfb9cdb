"""The weekly check-in in the demo: members tap it at noon, and the console reports per peer
group the plans made, results answered and group goals reached (the `group_weeks` counts),
beside its buddies, its hosts and its counsellor's posts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.group_weeks import GroupWeek
from bot.db.groups import PeerGroup
from bot.db.together import BuddyPair, GroupEvent, HostWeek
from bot.demo.people import Person
from bot.runtime import Runtime
from bot.sandbox import TelegramSandbox
from bot.scheduler import scan_groups
from experiments.records import GroupEventKind

TAPS_ANSWERED_S = 60.0


async def check_in(sandbox: TelegramSandbox, runtime: Runtime, people: Sequence[Person]) -> int:
    """The day's group posts go out (the check-in among them), then members tap them, all at
    the same clock moment: the same seed gives the same plans, whenever the scheduler ticked.
    Returns once every tap is answered (its toast), so each was recorded at that moment."""
    await scan_groups(runtime)
    assert runtime.sender is not None
    await runtime.sender.settle(within_s=60)
    taps = [(person.user, tap) for person in people for tap in person.check_in()]
    if taps:
        await sandbox.wait_for(
            lambda: all(user.callback_answer(tap) is not None for user, tap in taps),
            timeout=TAPS_ANSWERED_S,
            what="check-in taps answered",
        )
    return len(taps)


@dataclass(frozen=True)
class GroupCheckins:
    """One peer group's check-in weeks, summed."""

    group_id: int
    weeks: int = 0
    plans: int = 0  # members with a plan, summed over the weeks
    answers: int = 0  # "Gelukt?" answered (yes, partly or no)
    goals: int = 0  # weeks with a group goal
    reached: int = 0  # … of which the goal was reached
    buddy_pairs: int = 0  # buddy pairs formed
    buddy_lines: int = 0  # the week's private lines about a buddy, sent
    host_weeks: int = 0  # weeks with a volunteer as host
    hosts: int = 0  # … by this many members
    counsellor_posts: int = 0  # the counsellor's posts in the group (any way they posted)


async def checkin_counts(session: AsyncSession) -> list[GroupCheckins]:
    """Each peer group's check-in weeks and ingredients, in group order."""
    weeks = await _weeks(session)
    pairs = await _per_group(session, select(BuddyPair.group_id, func.count()), BuddyPair)
    lines = await _per_group(
        session,
        select(GroupEvent.group_id, func.coalesce(func.sum(GroupEvent.quantity), 0)).where(
            GroupEvent.kind == GroupEventKind.BUDDY_ROUND
        ),
        GroupEvent,
    )
    posts = await _per_group(
        session,
        select(GroupEvent.group_id, func.count()).where(
            GroupEvent.kind == GroupEventKind.COUNSELLOR_POST
        ),
        GroupEvent,
    )
    hosted = select(HostWeek.group_id, func.count(), func.count(distinct(HostWeek.participant_id)))
    hosts = {
        group: (int(count), int(people))
        for group, count, people in await session.execute(
            hosted.where(HostWeek.participant_id.is_not(None)).group_by(HostWeek.group_id)
        )
    }
    groups = await session.scalars(select(PeerGroup.id).order_by(PeerGroup.id))
    return [
        replace(
            weeks.get(group, GroupCheckins(group)),
            buddy_pairs=pairs.get(group, 0),
            buddy_lines=lines.get(group, 0),
            host_weeks=hosts.get(group, (0, 0))[0],
            hosts=hosts.get(group, (0, 0))[1],
            counsellor_posts=posts.get(group, 0),
        )
        for group in groups
    ]


async def _per_group(
    session: AsyncSession, query: Select[int, int] | Select[int, int | None], table: Any
) -> dict[int, int]:
    """A count per group id, from a query selecting (group id, count)."""
    rows = await session.execute(query.group_by(table.group_id))
    return {group: int(count or 0) for group, count in rows}


async def _weeks(session: AsyncSession) -> dict[int, GroupCheckins]:
    rows = await session.execute(
        select(
            GroupWeek.group_id,
            func.count(),
            func.sum(GroupWeek.plans),
            func.sum(GroupWeek.reviews_yes + GroupWeek.reviews_partly + GroupWeek.reviews_no),
            func.count(GroupWeek.goal_posted_at),
            func.count(GroupWeek.goal_reached_at),
        )
        .group_by(GroupWeek.group_id)
        .order_by(GroupWeek.group_id)
    )
    return {
        group: GroupCheckins(group, weeks, int(plans or 0), int(answers or 0), goals, reached)
        for group, weeks, plans, answers, goals, reached in rows
    }


def describe(groups: list[GroupCheckins]) -> list[str]:
    """The console's lines: one per peer group."""
    return [
        f"group {g.group_id}: check-in weeks {g.weeks}, plans made {g.plans}, check-ins "
        f"answered {g.answers}, group goals {g.goals} (reached {g.reached}); buddies: "
        f"{g.buddy_pairs} pair(s), {g.buddy_lines} weekly line(s); hosts: {g.host_weeks} "
        f"week(s) by {g.hosts} member(s); counsellor posts {g.counsellor_posts}"
        for g in groups
    ]
