"""APScheduler only ticks: what is due lives in our tables, the jobs call services to find it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Database
from bot.runtime import Runtime
from bot.services.counsellor_inbox.outreach import scan_outreach
from bot.services.counsellor_inbox.scan import scan_inbox
from bot.services.participants.call_scan import scan_calls
from bot.services.participants.ending import scan_endings
from bot.services.participants.micro_nudges import MicroScan, scan_micro_decisions
from bot.services.participants.nudges import ScanResult, scan_encouragements, scan_periods
from bot.services.participants.private_topics import scan_private_topics
from bot.services.participants.retention import scan_retention
from bot.services.participants.surveys import scan_surveys
from bot.services.peer_groups.alerts import scan_alerts
from bot.services.peer_groups.binding import assign_counsellors, scan_join_reminders
from bot.services.peer_groups.chat_activity import prune_flood_windows
from bot.services.peer_groups.checkin import scan_checkins
from bot.services.peer_groups.cycle import scan_cycles
from bot.services.peer_groups.digest import scan_digests
from bot.services.peer_groups.formation import form_groups
from bot.services.peer_groups.group_goal import scan_group_goals
from bot.services.peer_groups.pools import scan_pool_updates
from bot.services.peer_groups.posts import scan_curriculum, scan_group_progress
from bot.services.peer_groups.together.scan import scan_together
from bot.services.processed_updates import forget_old_updates
from bot.services.trial import Trial

log = logging.getLogger(__name__)

SCAN_CHUNK = 500  # participants per committed transaction of a nudge scan


async def housekeeping(runtime: Runtime) -> None:
    """Forget handled update ids older than Telegram's re-delivery horizon."""
    async with runtime.database.transaction(background=True) as session:
        removed = await forget_old_updates(session, runtime.clock.now())
    log.info("housekeeping forgot %d processed update ids", removed)


async def scan_nudges(runtime: Runtime) -> None:
    """Find due reminders and encouragements and put them in the outbox."""
    now = runtime.clock.now()
    database, trial = runtime.database, runtime.trial
    endings = await scan_in_chunks(database, trial, scan_endings, now)  # before any nudge
    periods = await scan_in_chunks(database, trial, scan_periods, now)
    encouragements = await scan_in_chunks(database, trial, scan_encouragements, now)
    topics = await scan_in_chunks(database, trial, scan_private_topics, now)
    invitations = await scan_in_chunks(database, trial, scan_surveys, now)
    invitations.add(await scan_in_chunks(database, trial, scan_retention, now))
    invitations.add(await scan_in_chunks(database, trial, scan_calls, now))  # after the surveys
    micro = await scan_micro(database, trial, now)
    if any(s.enqueued for s in (endings, periods, encouragements, topics, invitations, micro)):
        runtime.wake_sender()
    log.info(
        "nudge scan ended=%d reminders=%d encouragements=%d topics=%d surveys=%d stale=%d "
        "micro=%d/%d",
        endings.due,
        periods.enqueued,
        encouragements.enqueued,
        topics.enqueued,
        invitations.enqueued,
        periods.stale + encouragements.stale + topics.stale,
        micro.enqueued,
        micro.decided,
    )


async def scan_micro(
    database: Database, trial: Trial, now: datetime, *, chunk: int = SCAN_CHUNK
) -> MicroScan:
    """Make every due micro-randomized decision, a chunk of participants per transaction."""
    total, after = MicroScan(), 0
    while trial.protocol.micro_randomization is not None:
        async with database.transaction(background=True) as session:
            part = await scan_micro_decisions(session, trial, now, after_id=after, limit=chunk)
        total.add(part)
        total.decided += part.decided
        after = part.last_id
        if part.due < chunk:
            break
    return total


class ChunkedScan(Protocol):
    async def __call__(
        self, session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
    ) -> ScanResult: ...


async def scan_in_chunks(
    database: Database, trial: Trial, scan: ChunkedScan, now: datetime, *, chunk: int = SCAN_CHUNK
) -> ScanResult:
    """Run `scan` a chunk of participants at a time, each chunk committed on its own.

    A scan moves every row it handles past `now`, so the next chunk's query finds the rest.
    Committing chunks keeps the write lock (SQLite) or row locks (PostgreSQL) short, so people
    writing to the bot during a large scan are answered in between.
    """
    total = ScanResult()
    while True:
        async with database.transaction(background=True) as session:
            part = await scan(session, trial, now, limit=chunk)
        total.add(part)
        if part.due < chunk:
            return total


async def scan_groups(runtime: Runtime) -> None:
    """Form groups from the pools, assign counsellors, queue due group posts and admin alerts."""
    now = runtime.clock.now()
    async with runtime.database.transaction(background=True) as session:
        formation = await form_groups(session, runtime.trial, now)
        assigned = await assign_counsellors(session, runtime.trial, now)
        pool_updates = await scan_pool_updates(session, runtime.trial, now)
        join_reminders = await scan_join_reminders(session, runtime.trial, now)
    async with runtime.database.transaction(background=True) as session:
        # the cycle first: a group that closes now gets no weekly post after its farewell
        cycles = await scan_cycles(session, runtime.trial, now)
        # before the topics: a week's host takes its topic from the bot's own post
        together = await scan_together(session, runtime.trial, now)
    async with runtime.database.transaction(background=True) as session:
        progress = await scan_group_progress(session, runtime.trial, now)
        curriculum = await scan_curriculum(session, runtime.trial, now)
        digests = await scan_digests(session, runtime.trial, now)
    async with runtime.database.transaction(background=True) as session:
        checkins = await scan_checkins(session, runtime.trial, now)
        goals = await scan_group_goals(session, runtime.trial, now)
    async with runtime.database.transaction(background=True) as session:
        alerts = await scan_alerts(session, runtime.trial, now)
        await prune_flood_windows(session, runtime.trial, now)
    runtime.wake_sender()
    log.info(
        "group scan formed=%d filled=%d joined_running=%d not_placeable=%d assigned=%d "
        "progress=%d curriculum=%d "
        "inactive_counsellors=%d small_groups=%d pool_updates=%d join_reminders=%d "
        "overdue_pools=%d invited=%d buddy_lines=%d hosts=%d "
        "checkin_plans=%d checkin_reviews=%d goals=%d/%d/%d "
        "midpoints=%d closing_weeks=%d closed=%d digests=%d",
        len(formation.formed),
        formation.filled,
        formation.past_wait.joined,
        formation.past_wait.not_placeable,
        assigned,
        progress.posted,
        curriculum.posted,
        alerts.inactive_counsellors,
        alerts.small_groups,
        pool_updates,
        join_reminders,
        alerts.overdue_pools,
        cycles.midpoints,
        cycles.closing_weeks,
        cycles.closed,
        digests,
        together.invited,
        together.buddy_lines,
        together.hosts,
        checkins.plans,
        checkins.reviews,
        goals.posted,
        goals.edited,
        goals.reached,
    )


async def scan_tickets(runtime: Runtime) -> None:
    """The counsellor inbox: counsellors for whoever lacks one, reminders, escalations, and
    forgetting the text of tickets closed longer than the retention period."""
    async with runtime.database.transaction(background=True) as session:
        scan = await scan_inbox(session, runtime.trial, runtime.clock.now())
    async with runtime.database.transaction(background=True) as session:
        outreach = await scan_outreach(session, runtime.trial, runtime.clock.now())
    if scan.reminded or scan.escalated or outreach.prompted:
        runtime.wake_sender()
    log.info(
        "inbox scan assigned=%d reminded=%d escalated=%d forgotten=%d outreach=%d/%d",
        scan.assigned,
        scan.reminded,
        scan.escalated,
        scan.forgotten,
        outreach.prompted,
        outreach.due,
    )


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """A scheduler with an in-memory job store (never shared between processes)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = [
        (housekeeping, timedelta(hours=1)),
        (scan_nudges, runtime.scan_interval),
        (scan_groups, runtime.scan_interval),
        (scan_tickets, runtime.scan_interval),
    ]
    for job, every in jobs:
        scheduler.add_job(
            job,
            "interval",
            seconds=every.total_seconds(),
            args=[runtime],
            id=job.__name__,
            coalesce=True,
            max_instances=1,
        )
    return scheduler
