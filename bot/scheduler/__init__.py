"""APScheduler only ticks: what is due lives in our tables, the jobs call services to find it."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from bot.services.updates import forget_old_updates

log = logging.getLogger(__name__)


async def housekeeping(runtime: Runtime) -> None:
    """Forget handled update ids older than Telegram's re-delivery horizon."""
    async with runtime.database.transaction() as session:
        removed = await forget_old_updates(session, runtime.clock.now())
    log.info("housekeeping forgot %d processed update ids", removed)


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
    return scheduler
