"""Posts in the groups: weekly progress and curriculum topics (a member's own steps, shared by
choice, are in together/sharing.py).

Like the nudges, each group row stores when its next progress summary and next topic are due;
a scan picks the due rows with one query, queues one post each under a unique intent key and
moves the time past `now`, so downtime yields one post, not a backlog, and nothing twice.
The sender paces group posts to 20 per minute per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.i18n import Language, plural, text
from bot.outbox import OutboxKind
from bot.services.ledger import ledgers
from bot.services.peer_groups.bilingual import group_languages, in_languages
from bot.services.peer_groups.messaging import post
from bot.services.peer_groups.together import hosting
from bot.services.periods import advance_due
from bot.services.trial import Trial
from experiments.protocol import Component, CurriculumWeek, Track
from experiments.records import Done, Window

TICK = timedelta(microseconds=1)


@dataclass
class PostScan:
    due: int = 0
    posted: int = 0


async def _active_groups_due(
    session: AsyncSession, next_at: InstrumentedAttribute[datetime | None], now: datetime
) -> Sequence[PeerGroup]:
    """Active groups whose next post of one kind (`next_at`) is due by `now`."""
    statement = select(PeerGroup).where(PeerGroup.status == GroupStatus.ACTIVE, next_at <= now)
    return (await session.scalars(statement)).all()


async def scan_group_progress(session: AsyncSession, trial: Trial, now: datetime) -> PostScan:
    """Post each due weekly summary: how many members saved (or took job-search steps) in the
    group's week that ended last (`Protocol.group_week`)."""
    protocol = trial.protocol
    arms = protocol.arms_with(Component.GROUP_PROGRESS)
    due = await _active_groups_due(session, PeerGroup.next_progress_at, now)
    current = protocol.group_week(now)
    assert current.start is not None
    assert current.end is not None
    ended = protocol.group_week(current.start - TICK)
    assert ended.end is not None
    scan = PostScan()
    for group in due:
        scan.due += 1
        # one post for the week that ended last, however long the bot was down
        group.next_progress_at = current.end
        if group.arm not in arms or now - ended.end > protocol.schedule.stale_after:
            continue
        words = await progress_text(session, group, ended, trial)
        if words is None:
            continue
        added = await post(
            session,
            group,
            words,
            kind=OutboxKind.GROUP_PROGRESS,
            intent=f"group_progress:{group.id}:{ended.end.isoformat()}",
            now=now,
            not_before=protocol.next_allowed_time(ended.end),
        )
        scan.posted += int(added)
    return scan


async def week_done(session: AsyncSession, group: PeerGroup, week: Window) -> list[Done]:
    """What each joined member did in `week` (by `experiments.records.ledger.did`), in no order."""
    joined = await session.scalars(
        select(GroupMember.participant_id).where(
            GroupMember.group_id == group.id, GroupMember.status == MemberStatus.JOINED
        )
    )
    found = await ledgers(session, list(joined), week.start)
    return [ledger.done(week) for ledger in found.values()]


async def progress_text(
    session: AsyncSession, group: PeerGroup, week: Window, trial: Trial
) -> str | None:
    """ "9 of 12 of us saved this week": counts only, never who did or did not."""
    done = await week_done(session, group, week)
    if not done:
        return None
    templates = trial.protocol.templates
    languages = await group_languages(session, group)
    active = sum(1 for d in done if (d.saved if group.track == Track.SAVINGS else d.took_step))
    if not active:
        if group.arm in trial.protocol.arms_with(Component.CHECKIN):
            # the check-in's Monday plan prompt already asks what each member will do: a second
            # "new week" prompt in the same minute says it twice
            return None
        return in_languages(languages, lambda language: quiet_week(group, language))
    count = sum(d.applications for d in done)

    def render(language: Language) -> str:
        values = {"active": str(active), "members": str(len(done))}
        if group.track == Track.SAVINGS:
            return templates.render("group_progress_savings", language, values)
        values["applications"] = plural(language, "count.applications", count)
        return templates.render("group_progress_jobsearch", language, values)

    return in_languages(languages, render)


def quiet_week(group: PeerGroup, language: Language) -> str:
    """A week nobody logged anything: a neutral prompt, neither praise nor blame."""
    return text(language, f"join.progress_quiet_{group.track}")


async def scan_curriculum(session: AsyncSession, trial: Trial, now: datetime) -> PostScan:
    """Post each group's next curriculum topic when due, in order, one per interval."""
    schedule = trial.protocol.schedule
    interval = schedule.curriculum_interval
    arms = trial.protocol.arms_with(Component.CURRICULUM)
    due = await _active_groups_due(session, PeerGroup.next_curriculum_at, now)
    scan = PostScan()
    for group in due:
        scan.due += 1
        assert group.next_curriculum_at is not None
        firing = advance_due(group.next_curriculum_at, now, interval, schedule.stale_after)
        group.next_curriculum_at = firing.following
        weeks = trial.protocol.curriculum_for(group.track, group.age_band)
        if group.arm not in arms or group.curriculum_week > len(weeks):
            group.next_curriculum_at = None
            continue
        if firing.stale:
            continue  # the topic waits for the next slot rather than arriving late
        if await hosting.carries_topic(session, trial, group, now):
            continue  # this week's host was given the topic to post
        week = weeks[group.curriculum_week - 1]

        def topic(language: Language, week: CurriculumWeek = week) -> str:
            values = {"week": str(week.week), "topic": week.topic(language)}
            return trial.protocol.templates.render("curriculum_prompt", language, values)

        words = in_languages(await group_languages(session, group), topic)
        added = await post(
            session,
            group,
            words,
            kind=OutboxKind.CURRICULUM,
            intent=f"curriculum:{group.id}:{week.week}",
            now=now,
            not_before=trial.protocol.next_allowed_time(firing.latest),
        )
        scan.posted += int(added)
        group.curriculum_week += 1
    return scan
