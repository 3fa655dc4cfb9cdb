"""Alerts for the admins: a counsellor gone quiet, a group that shrank below its minimum, a
pool that waits too long. Each says which group, who is concerned and what to do next, in the
language each reader chose, and only once it can be true.

Each alert is sent once per spell (its intent key names the moment the spell began), so a scan
every minute does not repeat it, and a new spell is alerted again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Role, StaffMember
from bot.i18n import Language, plural, text
from bot.outbox import OutboxKind
from bot.services.peer_groups.lookups import staff_recipient
from bot.services.peer_groups.messaging import tell
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
    active counsellors hear it once per pool and oldest waiter, with who waits."""
    pools = await overdue_pools(session, trial, now)
    if not pools:
        return 0
    counsellors = await session.scalars(
        select(StaffMember.telegram_user_id).where(
            StaffMember.role == Role.COUNSELLOR, StaffMember.active
        )
    )
    recipients = sorted(set(to) | set(counsellors))
    for pool in pools:
        for chat_id in recipients:
            recipient = await staff_recipient(session, chat_id)
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
                who=", ".join(f"P{participant}" for participant in pool.participant_ids),
                days=pool.days,
            )
    return len(pools)


def first_chance(group: PeerGroup) -> datetime:
    """When the group's counsellor could first act on it: when they got it."""
    return group.counsellor_since or group.formed_at


async def _inactive_counsellors(
    session: AsyncSession, trial: Trial, now: datetime, to: list[int]
) -> int:
    """Counsellors who did nothing for `counsellor_inactive_after`, counted from their last act
    or, when later, from when they got a group: a counsellor is not idle before they could act."""
    cutoff = now - trial.protocol.groups.counsellor_inactive_after
    rows = await session.execute(
        select(StaffMember, PeerGroup)
        .join(PeerGroup, PeerGroup.counsellor_id == StaffMember.id)
        .where(
            StaffMember.role == Role.COUNSELLOR,
            StaffMember.active,
            StaffMember.last_active_at <= cutoff,
            PeerGroup.status != GroupStatus.CLOSED,
        )
        .order_by(StaffMember.id, PeerGroup.id)
    )
    idle: dict[int, tuple[StaffMember, list[PeerGroup]]] = {}
    for counsellor, group in rows:
        if first_chance(group) <= cutoff:
            idle.setdefault(counsellor.id, (counsellor, []))[1].append(group)
    for counsellor, groups in idle.values():
        since = max(counsellor.last_active_at, min(first_chance(group) for group in groups))
        for chat_id in to:
            recipient = await staff_recipient(session, chat_id)
            await tell(
                session,
                recipient,
                "alerts.counsellor_inactive",
                kind=OutboxKind.ADMIN_ALERT,
                intent=f"counsellor_inactive:{counsellor.id}:{since.isoformat()}",
                now=now,
                staff=counsellor.id,
                days=(now - since).days,
                groups=", ".join(_group_ref(recipient.language, group) for group in groups),
                group=groups[0].id,
            )
    return len(idle)


def _group_ref(language: Language, group: PeerGroup) -> str:
    unbound = group.status is GroupStatus.AWAITING_BIND
    return text(language, "alerts.group_unbound" if unbound else "alerts.group_ref", group=group.id)


def settled_at(link_sent_at: datetime, delays: tuple[timedelta, ...]) -> datetime:
    """When a member sent a join link has had every join reminder and time to answer the last
    (as long as the protocol gives before the first reminder)."""
    if not delays:
        return link_sent_at + JOIN_WINDOW
    return link_sent_at + delays[-1] + delays[0]


async def _small_groups(session: AsyncSession, trial: Trial, now: datetime, to: list[int]) -> int:
    """Groups whose joined members fell below min(min_size, size at formation).

    Members count once they joined the Telegram group, not when assigned; a group is judged
    only once every member still on their way had every join reminder and time to answer it.
    """
    delays = trial.protocol.schedule.join_reminders
    groups = await session.scalars(
        select(PeerGroup)
        .where(PeerGroup.status == GroupStatus.ACTIVE, PeerGroup.bound_at.is_not(None))
        .order_by(PeerGroup.id)
    )
    small = 0
    for group in list(groups):
        assert group.bound_at is not None
        members = await _members_by_status(session, group)
        joined = len(members[MemberStatus.JOINED])
        floor = min(trial.protocol.groups.min_size, group.formed_size)
        if joined >= floor:
            group.below_min_since = None
            continue
        links = [m.link_sent_at or group.bound_at for m in members[MemberStatus.ASSIGNED]]
        if any(settled_at(sent, delays) > now for sent in [group.bound_at, *links]):
            continue  # members are still being reminded to join
        small += 1
        group.below_min_since = group.below_min_since or now
        missing = [m.tag for m in members[MemberStatus.ASSIGNED]]
        gone = [m.tag for m in members[MemberStatus.LEFT] + members[MemberStatus.REMOVED]]
        for chat_id in to:
            recipient = await staff_recipient(session, chat_id)
            language = recipient.language
            await tell(
                session,
                recipient,
                "alerts.group_small",
                kind=OutboxKind.ADMIN_ALERT,
                intent=f"group_small:{group.id}:{group.below_min_since.isoformat()}",
                now=now,
                group=group.id,
                track=text(language, f"track.{group.track}"),
                lead=_lead(language, group),
                members=joined,
                minimum=floor,
                missing=", ".join(missing) or text(language, "alerts.nobody"),
                gone=", ".join(gone) or text(language, "alerts.nobody"),
            )
    return small


def _lead(language: Language, group: PeerGroup) -> str:
    if group.counsellor_id is None:
        return text(language, "alerts.no_lead")
    return text(language, "alerts.lead", staff=group.counsellor_id)


async def _members_by_status(
    session: AsyncSession, group: PeerGroup
) -> dict[MemberStatus, list[GroupMember]]:
    members: dict[MemberStatus, list[GroupMember]] = defaultdict(list)
    for member in await session.scalars(
        select(GroupMember).where(GroupMember.group_id == group.id).order_by(GroupMember.id)
    ):
        members[member.status].append(member)
    return members
