"""Alerts for the admins: a counsellor gone quiet, a group that shrank below its minimum.

Each alert is sent once per spell (its intent key names the moment the spell began), so a scan
every minute does not repeat it, and a new spell is alerted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Role, StaffMember
from bot.i18n import Language, plural, text
from bot.outbox import OutboxKind
from bot.services.peer_groups.lookups import Recipient, language_of
from bot.services.peer_groups.messaging import alert, tell
from bot.services.peer_groups.pools import overdue_pools
from bot.services.trial import Trial

JOIN_WINDOW = timedelta(hours=72)  # without join reminders: the time members get to join


@dataclass
class AlertScan:
    inactive_counsellors: int = 0
    small_groups: int = 0
    overdue_pools: int = 0


async def scan_alerts(session: AsyncSession, trial: Trial, now: datetime) -> AlertScan:
    """Tell the admins about inactive counsellors and groups below their minimum size."""
    scan = AlertScan()
    to = await trial.staff.admins(session)
    scan.inactive_counsellors = await _inactive_counsellors(session, trial, now, to)
    scan.small_groups = await _small_groups(session, trial, now, to)
    scan.overdue_pools = await _overdue_pools(session, trial, now, to)
    return scan


async def _overdue_pools(session: AsyncSession, trial: Trial, now: datetime, to: list[int]) -> int:
    """Pools still waiting past `pool_max_wait` (too few to form or merge): the admins and the
    active counsellors hear it once per pool and oldest waiter."""
    pools = await overdue_pools(session, trial, now)
    if not pools:
        return 0
    counsellors = await session.scalars(
        select(StaffMember.telegram_user_id).where(
            StaffMember.role == Role.COUNSELLOR, StaffMember.active
        )
    )
    recipients = sorted(set(to) | set(counsellors))
    limit = trial.protocol.schedule.pool_max_wait.days
    for pool in pools:
        for chat_id in recipients:
            recipient = Recipient(chat_id, Language(pool.language))
            await tell(
                session,
                recipient,
                "alerts.pool_overdue",
                kind=OutboxKind.ADMIN_ALERT,
                intent=f"pool_overdue:{pool.arm}:{pool.track}:{pool.age_band}:{pool.since}",
                now=now,
                track=text(recipient.language, f"track.{pool.track}"),
                band=pool.age_band,
                arm=pool.arm,
                people=plural(recipient.language, "join.people_waiting", pool.waiting),
                days=pool.days,
                limit=limit,
            )
    return len(pools)


async def _inactive_counsellors(
    session: AsyncSession, trial: Trial, now: datetime, to: list[int]
) -> int:
    """Counsellors with a live group who did nothing for `counsellor_inactive_after`."""
    since = now - trial.protocol.groups.counsellor_inactive_after
    rows = await session.execute(
        select(StaffMember, func.min(PeerGroup.id))
        .join(PeerGroup, PeerGroup.counsellor_id == StaffMember.id)
        .where(
            StaffMember.role == Role.COUNSELLOR,
            StaffMember.active,
            StaffMember.last_active_at <= since,
            PeerGroup.status != GroupStatus.CLOSED,
        )
        .group_by(StaffMember.id)
    )
    found = 0
    for counsellor, first_group in rows:
        found += 1
        group = await session.get(PeerGroup, first_group)
        assert group is not None
        days = (now - counsellor.last_active_at).days
        await alert(
            session,
            to,
            language_of(group),
            "alerts.counsellor_inactive",
            intent=f"counsellor_inactive:{counsellor.id}:{counsellor.last_active_at.isoformat()}",
            now=now,
            staff=counsellor.id,
            days=days,
        )
    return found


async def _small_groups(session: AsyncSession, trial: Trial, now: datetime, to: list[int]) -> int:
    """Groups whose joined members fell below min(min_size, size at formation).

    Members count once they joined the Telegram group, not when assigned; a group is judged
    only once its members had every join reminder's time to join.
    """
    staying = func.count(GroupMember.id).filter(GroupMember.status == MemberStatus.JOINED)
    reminders = trial.protocol.schedule.join_reminders
    settled = now - (reminders[-1] if reminders else JOIN_WINDOW)
    rows = await session.execute(
        select(PeerGroup, staying)
        .outerjoin(GroupMember, GroupMember.group_id == PeerGroup.id)
        .where(PeerGroup.status == GroupStatus.ACTIVE, PeerGroup.bound_at <= settled)
        .group_by(PeerGroup.id)
    )
    small = 0
    for group, members in rows:
        floor = min(trial.protocol.groups.min_size, group.formed_size)
        if members >= floor:
            group.below_min_since = None
            continue
        small += 1
        group.below_min_since = group.below_min_since or now
        await alert(
            session,
            to,
            language_of(group),
            "alerts.group_small",
            intent=f"group_small:{group.id}:{group.below_min_since.isoformat()}",
            now=now,
            group=group.id,
            members=members,
            minimum=floor,
        )
    return small
