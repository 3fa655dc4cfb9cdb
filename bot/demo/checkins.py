"""The weekly check-in in the demo: members tap it at noon, and the console reports per peer
group the plans made, results answered and group goals reached (the `group_weeks` counts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.group_weeks import GroupWeek
from bot.demo.people import Person
from bot.runtime import Runtime
from bot.sandbox import TelegramSandbox
from bot.scheduler import scan_groups

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


async def checkin_counts(session: AsyncSession) -> list[GroupCheckins]:
    """Each group's check-in weeks, in group order."""
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
    return [
        GroupCheckins(group, weeks, int(plans or 0), int(answers or 0), goals, reached)
        for group, weeks, plans, answers, goals, reached in rows
    ]


def describe(groups: list[GroupCheckins]) -> list[str]:
    """The console's lines: one per group that had a check-in week."""
    return [
        f"check-in, group {g.group_id}: {g.weeks} week(s), plans made {g.plans}, results "
        f"answered {g.answers}, group goals {g.goals} (reached {g.reached})"
        for g in groups
    ]
