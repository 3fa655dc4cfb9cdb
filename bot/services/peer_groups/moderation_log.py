"""The log of moderation actions: who acted, whom it was about, why and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, ModerationAction, PeerGroup


@dataclass(frozen=True)
class Actor:
    """Who acted: a counsellor or admin (their Telegram id), or the bot itself."""

    role: str
    telegram_id: int | None


async def log_action(
    session: AsyncSession,
    group: PeerGroup,
    actor: Actor,
    action: str,
    target: GroupMember | None,
    now: datetime,
    reason: str | None = None,
    until: datetime | None = None,
) -> int:
    """Append to the moderation log; returns the entry's id."""
    row = ModerationAction(
        group_id=group.id,
        at=now,
        actor_role=actor.role,
        actor_telegram_id=actor.telegram_id,
        action=action,
        target_member_id=target.id if target else None,
        reason=reason[:300] if reason else None,
        until=until,
    )
    session.add(row)
    await session.flush()
    return row.id
