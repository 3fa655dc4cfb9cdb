"""Staff: one-time invites that grant a role, and who holds which role."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Allocation, Invite, Participant, Role, StaffMember
from bot.i18n import Language
from bot.outbox import Button
from bot.services import button_data
from bot.services.turns import Turn

INVITE_PREFIX = "staff_"
# A staff invite grants rights to whoever opens it first, so it should not lie around for ever.
DEFAULT_INVITE_LIFETIME = timedelta(days=7)


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot with /start <payload>."""
    return f"https://t.me/{bot_username}?start={payload}"


async def create_invite(
    session: AsyncSession,
    role: Role,
    now: datetime,
    expires_in: timedelta | None = DEFAULT_INVITE_LIFETIME,
) -> str:
    """A new one-time invite token for `role`, valid for `expires_in` (None: until used)."""
    token = INVITE_PREFIX + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")
    expires_at = None if expires_in is None else now + expires_in
    session.add(Invite(token=token, role=role, created_at=now, expires_at=expires_at))
    return token


async def revoke_invites(
    session: AsyncSession, tokens: Collection[str], now: datetime
) -> list[str]:
    """Revoke unused invites; the tokens that name no invite."""
    unknown = []
    for token in tokens:
        invite = await session.get(Invite, token.strip())
        if invite is None:
            unknown.append(token)
        elif invite.revoked_at is None:
            invite.revoked_at = now
    return unknown


async def remove_staff(
    session: AsyncSession, telegram_user_id: int, role: Role | None = None
) -> list[Role]:
    """End a staff member's rights at once (one role, or all); the roles that were removed.

    The row stays (moderation logs refer to it) but is inactive, and
    `StaffDirectory.roles_of` reads `active`.
    Operators from LOTGENOOT_ADMIN_IDS are not in this table: remove them from the setting.
    """
    query = select(StaffMember).where(
        StaffMember.telegram_user_id == telegram_user_id, StaffMember.active
    )
    if role is not None:
        query = query.where(StaffMember.role == role)
    removed = []
    for member in await session.scalars(query):
        member.active = False
        # the name and language go with the role (SPEC §11.4)
        member.display_name = member.language = None
        removed.append(member.role)
    return sorted(removed)


async def accept_invite(turn: Turn, token: str) -> None:
    """Grant the invite's role to the person who opened it, once, unless revoked or expired."""
    invite = await turn.session.get(Invite, token)
    if invite is None or not await _claim(turn, token):
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
    member.language = member.language or turn.language.value
    invite.staff_member_id = member.id
    # the name they accept with the invite: Telegram's first name, until they change it
    member.display_name = member.display_name or turn.incoming.first_name.strip()[:64] or None
    await turn.say_text(f"staff.welcome_{invite.role.value}")
    await say_profile(turn, member.display_name, member.language)


async def say_profile(turn: Turn, display_name: str | None, language: str | None) -> None:
    """How participants see this staff member and the language the bot speaks with them, with
    buttons to choose another language (`choose_staff_language`)."""
    card = turn.t(
        "staff.card.shown",
        name=display_name or "–",
        spoken=turn.t(f"staff.card.language_{language or turn.language.value}"),
    )
    await turn.say(card, buttons=[language_buttons()])


def language_buttons() -> list[Button]:
    """Nederlands / English, each in its own words."""
    return [
        button_data.button("Nederlands", button_data.ChooseLanguage(Language.NL)),
        button_data.button("English", button_data.ChooseLanguage(Language.EN)),
    ]


async def choose_staff_language(turn: Turn, language: Language) -> bool:
    """A staff member's language button: their views and alerts from now on are written in it.
    False for someone who holds no staff role."""
    chosen = await turn.session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == turn.user_id, StaffMember.active)
        .values(language=language.value)
        .execution_options(synchronize_session="fetch")
    )
    if not chosen.rowcount:  # type: ignore[attr-defined]
        return False
    turn.language = language
    await turn.say_text("language.changed")
    return True


async def _claim(turn: Turn, token: str) -> bool:
    """Mark the invite used, only if it is still unused, unrevoked and unexpired: one conditional
    UPDATE, so two people opening one link at once cannot both get the role."""
    result = await turn.session.execute(
        update(Invite)
        .where(
            Invite.token == token,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            or_(Invite.expires_at.is_(None), Invite.expires_at > turn.now),
        )
        .values(used_at=turn.now)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def trial_counts(session: AsyncSession) -> tuple[int, list[tuple[str, str, int]]]:
    """Participants enrolled, and allocations per (stratum, arm): counts only, never who."""
    enrolled = await session.scalar(select(func.count()).select_from(Participant))
    rows = await session.execute(
        select(Allocation.stratum, Allocation.arm, func.count())
        .group_by(Allocation.stratum, Allocation.arm)
        .order_by(Allocation.stratum, Allocation.arm)
    )
    return int(enrolled or 0), [(stratum, arm, int(count)) for stratum, arm, count in rows]
