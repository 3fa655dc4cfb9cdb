"""APScheduler only ticks: what is due lives in our tables, the jobs call services to find it."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from bot.services.nudges import scan_encouragements, scan_periods
from bot.services.surveys import scan_surveys
from bot.services.updates import forget_old_updates

log = logging.getLogger(__name__)


async def housekeeping(runtime: Runtime) -> None:
    """Forget handled update ids older than Telegram's re-delivery horizon."""
    async with runtime.database.transaction() as session:
        removed = await forget_old_updates(session, runtime.clock.now())
    log.info("housekeeping forgot %d processed update ids", removed)


async def scan_nudges(runtime: Runtime) -> None:
    """Find due reminders and encouragements and put them in the outbox."""
    now = runtime.clock.now()
    async with runtime.database.transaction() as session:
        periods = await scan_periods(session, runtime.trial, now)
        encouragements = await scan_encouragements(session, runtime.trial, now)
        invitations = await scan_surveys(session, runtime.trial, now)
    if periods.enqueued or encouragements.enqueued or invitations.enqueued:
        runtime.wake_sender()
    log.info(
        "nudge scan reminders=%d encouragements=%d surveys=%d stale=%d",
        periods.enqueued,
        encouragements.enqueued,
        invitations.enqueued,
        periods.stale + encouragements.stale,
    )


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """A scheduler with an in-memory job store (never shared between processes)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        housekeeping,
        "interval",
        hours=1,
        args=[runtime],
        id="housekeeping",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        scan_nudges,
        "interval",
        seconds=runtime.scan_interval.total_seconds(),
        args=[runtime],
        id="scan_nudges",
        coalesce=True,
        max_instances=1,
    )
    return scheduler
