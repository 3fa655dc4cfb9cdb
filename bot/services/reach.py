"""Reach: from codes handed out to people allocated, per site, never who (SPEC §11.5).

The review warns that the most vulnerable are often not reached; a funnel per site (codes
issued → links opened → consent shown → consented or declined → allocated) shows where people
are lost before the trial ever sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant, ReachRecord, ReachStep, Site

__all__ = ["ReachCounts", "reach_by_site", "record_reach"]


async def record_reach(
    session: AsyncSession, site_id: int, step: ReachStep, now: datetime, times: int = 1
) -> None:
    """Count `times` steps of reach at a site, each with its moment."""
    session.add_all(ReachRecord(site_id=site_id, step=step, at=now) for _ in range(times))
    await session.flush()


@dataclass(frozen=True)
class ReachCounts:
    """The funnel of one site."""

    site: str
    codes_issued: int
    reusable_links: int
    links_opened: int
    consent_shown: int
    consented: int
    declined: int
    allocated: int
    refused_returning: int


async def reach_by_site(session: AsyncSession) -> list[ReachCounts]:
    """Every site's funnel, by site name."""
    steps = await session.execute(
        select(ReachRecord.site_id, ReachRecord.step, func.count()).group_by(
            ReachRecord.site_id, ReachRecord.step
        )
    )
    counted: dict[tuple[int, ReachStep], int] = {
        (site_id, step): int(count) for site_id, step, count in steps
    }
    people = await session.execute(
        select(
            Participant.site_id,
            func.count(),
            func.count(Participant.allocated_at),
        ).group_by(Participant.site_id)
    )
    enrolled = {site_id: (int(n), int(allocated)) for site_id, n, allocated in people}
    sites = await session.execute(select(Site.id, Site.name).order_by(Site.name))
    return [
        ReachCounts(
            site=name,
            codes_issued=counted.get((site_id, ReachStep.CODE_ISSUED), 0),
            reusable_links=counted.get((site_id, ReachStep.LINK_ISSUED), 0),
            links_opened=counted.get((site_id, ReachStep.LINK_OPENED), 0),
            consent_shown=counted.get((site_id, ReachStep.CONSENT_SHOWN), 0),
            consented=enrolled.get(site_id, (0, 0))[0],
            declined=counted.get((site_id, ReachStep.DECLINED), 0),
            allocated=enrolled.get(site_id, (0, 0))[1],
            refused_returning=counted.get((site_id, ReachStep.REFUSED_RETURNING), 0),
        )
        for site_id, name in sites
    ]
