"""Who a participant's counsellor is: arms with the `counsellor_contact` component give every
participant one at allocation (round robin per site: the active counsellor with the fewest
participants of that site), also while they wait in a pool and in arms without groups.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant, ParticipantStatus, Role, StaffMember
from bot.services.trial import Trial
from experiments.protocol import Component


def has_contact(participant: Participant | None, trial: Trial) -> bool:
    """Whether this participant's arm lets them ask a counsellor."""
    if participant is None or participant.arm is None:
        return False
    try:
        return trial.protocol.arm(participant.arm).has(Component.COUNSELLOR_CONTACT)
    except KeyError:
        return False


async def active_counsellor(session: AsyncSession, staff_id: int | None) -> StaffMember | None:
    """The counsellor with this staff id, if they still are one."""
    if staff_id is None:
        return None
    staff = await session.get(StaffMember, staff_id)
    if staff is None or staff.role is not Role.COUNSELLOR or not staff.active:
        return None
    return staff


async def assign_counsellor(
    session: AsyncSession, participant: Participant, trial: Trial
) -> StaffMember | None:
    """The participant's counsellor: kept if still active, else the active counsellor with the
    fewest participants of the same site (round robin); None without the component or without
    any active counsellor."""
    if not has_contact(participant, trial):
        return None
    current = await active_counsellor(session, participant.counsellor_id)
    if current is not None:
        return current
    load = (
        select(Participant.counsellor_id, func.count().label("n"))
        .where(Participant.site_id == participant.site_id, Participant.id != participant.id)
        .group_by(Participant.counsellor_id)
        .subquery()
    )
    chosen = await session.scalar(
        select(StaffMember)
        .outerjoin(load, load.c.counsellor_id == StaffMember.id)
        .where(StaffMember.role == Role.COUNSELLOR, StaffMember.active)
        .order_by(func.coalesce(load.c.n, 0), StaffMember.id)
        .limit(1)
    )
    participant.counsellor_id = chosen.id if chosen is not None else None
    return chosen


async def assign_missing(session: AsyncSession, trial: Trial, *, limit: int = 500) -> int:
    """Give a counsellor to allocated participants of inbox arms who have none (or whose
    counsellor left): counsellors invited after allocation take people on."""
    arms = trial.protocol.arms_with(Component.COUNSELLOR_CONTACT)
    if not arms:
        return 0
    active = select(StaffMember.id).where(StaffMember.role == Role.COUNSELLOR, StaffMember.active)
    if await session.scalar(active.limit(1)) is None:
        return 0
    waiting = await session.scalars(
        select(Participant)
        .where(
            Participant.arm.in_(arms),
            Participant.status.in_((ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)),
            Participant.counsellor_id.is_(None) | Participant.counsellor_id.not_in(active),
        )
        .order_by(Participant.id)
        .limit(limit)
    )
    assigned = 0
    for participant in list(waiting):
        participant.counsellor_id = None
        if await assign_counsellor(session, participant, trial) is not None:
            assigned += 1
        await session.flush()  # the next choice sees this one's load
    return assigned
