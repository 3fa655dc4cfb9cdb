"""Staff: one-time invites that grant a role, and who holds which role."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Allocation, Invite, Participant, Role, StaffMember
from bot.services.turns import Turn

INVITE_PREFIX = "staff_"


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot with /start <payload>."""
    return f"https://t.me/{bot_username}?start={payload}"


async def create_invite(session: AsyncSession, role: Role, now: datetime) -> str:
    """A new one-time invite token for `role`."""
    token = INVITE_PREFIX + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")
    session.add(Invite(token=token, role=role, created_at=now))
    return token


async def roles_of(
    session: AsyncSession, telegram_user_id: int, admin_ids: Collection[int]
) -> set[Role]:
    """The roles a Telegram user holds: from invites, plus admin from the settings."""
    roles = set(
        await session.scalars(
            select(StaffMember.role).where(
                StaffMember.telegram_user_id == telegram_user_id, StaffMember.active
            )
        )
    )
    if telegram_user_id in admin_ids:
        roles.add(Role.ADMIN)
    return roles


async def accept_invite(turn: Turn, token: str) -> None:
    """Grant the invite's role to the person who opened it, once."""
    invite = await turn.session.get(Invite, token)
    if invite is None or invite.used_at is not None:
        await turn.say_text("staff.invite_invalid")
        return
    member = await turn.session.scalar(
        select(StaffMember).where(
            StaffMember.telegram_user_id == turn.user_id, StaffMember.role == invite.role
        )
    )
    if member is None:
        member = StaffMember(
            telegram_user_id=turn.user_id,
            role=invite.role,
            joined_at=turn.now,
            last_active_at=turn.now,
        )
        turn.session.add(member)
        await turn.session.flush()
    member.active = True
    invite.used_at = turn.now
    invite.staff_member_id = member.id
    await turn.say_text(f"staff.welcome_{invite.role.value}")


async def trial_counts(session: AsyncSession) -> tuple[int, list[tuple[str, str, int]]]:
    """Participants enrolled, and allocations per (stratum, arm): counts only, never who."""
    enrolled = await session.scalar(select(func.count()).select_from(Participant))
    rows = await session.execute(
        select(Allocation.stratum, Allocation.arm, func.count())
        .group_by(Allocation.stratum, Allocation.arm)
        .order_by(Allocation.stratum, Allocation.arm)
    )
    return int(enrolled or 0), [(stratum, arm, int(count)) for stratum, arm, count in rows]
