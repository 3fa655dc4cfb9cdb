"""Lookups the peer-group modules share: a group by its chat, a member's place by their
Telegram id, the staff who answer for a group, and the group's language.

Also the refusal the group services raise and say (GroupError, refusing), and the
mark that a counsellor was active (touch_staff).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, PeerGroup
from bot.db.study import Participant, StaffMember
from bot.i18n import Language, text
from bot.services.turns import StaffDirectory, Turn, language_for_staff


class GroupError(Exception):
    """A refusal with a user-facing message key, translated by the handler."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


async def say_refusal(turn: Turn, refusal: GroupError) -> None:
    await turn.say_text("groups.plain", words=turn.t(refusal.key, **refusal.params))


async def refusing(turn: Turn, work: Awaitable[object]) -> bool:
    """Await `work`; when it refuses, tell the person why. True when it went through."""
    try:
        await work
    except GroupError as refusal:
        await say_refusal(turn, refusal)
        return False
    return True


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    language: Language


def language_of(group: PeerGroup) -> Language:
    return Language(group.language)


def group_text(group: PeerGroup, key: str, /, **params: object) -> str:
    return text(language_of(group), key, **params)


def protocol_language(group: PeerGroup) -> Language:
    """The group's language, for the protocol's templates."""
    return language_of(group)


async def active_group(session: AsyncSession, chat_id: int) -> PeerGroup | None:
    """The bound group behind a Telegram chat, or None for any other chat."""
    return await session.scalar(
        select(PeerGroup).where(
            PeerGroup.telegram_chat_id == chat_id, PeerGroup.status == GroupStatus.ACTIVE
        )
    )


async def membership(session: AsyncSession, telegram_user_id: int) -> GroupMember | None:
    """The group place of whoever has this Telegram id, if they are a participant with one."""
    return await session.scalar(
        select(GroupMember)
        .join(Participant, Participant.id == GroupMember.participant_id)
        .where(Participant.telegram_user_id == telegram_user_id)
    )


async def staff_recipient(session: AsyncSession, telegram_user_id: int) -> Recipient:
    """A staff member's chat, in their language (`language_for_staff`), whatever the group's."""
    return Recipient(telegram_user_id, await language_for_staff(session, telegram_user_id))


async def responsible(
    session: AsyncSession, group: PeerGroup, staff: StaffDirectory
) -> list[Recipient]:
    """Who hears about a group's reports and alerts: its counsellor, or the admins if none;
    each in the language they chose."""
    if group.counsellor_id is not None:
        counsellor = await session.get(StaffMember, group.counsellor_id)
        if counsellor is not None and counsellor.active:
            return [await staff_recipient(session, counsellor.telegram_user_id)]
    return [await staff_recipient(session, admin) for admin in await staff.admins(session)]


async def touch_staff(session: AsyncSession, telegram_user_id: int, now: datetime) -> None:
    """A counsellor did something: they are not inactive (admin alerts watch this)."""
    await session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == telegram_user_id, StaffMember.active)
        .values(last_active_at=now)
    )
