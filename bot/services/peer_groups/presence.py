"""A visible counsellor: the name members know them by, and what they do for a group, counted.

Staff accept a display name with their invite (SPEC §11.4); members see its first word ("Sanne
(je begeleider) antwoordt: …"). How often a counsellor posts in a group and answers its
members is recorded per group, in `group_events` (SPEC §11.5), never with a text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, PeerGroup
from bot.db.study import StaffMember
from bot.i18n import Language, plural, text
from bot.services.peer_groups.bilingual import group_languages, in_languages
from bot.services.peer_groups.together.records import group_event
from experiments.records import GroupEventKind

# how a counsellor's post reached the group: /post, a tap on the digest's suggestion, or
# written in the Telegram group itself
PostedVia = Literal["post", "suggestion", "chat"]


def first_name(display_name: str | None) -> str | None:
    """The name members see: the first word of the display name (None without one)."""
    words = (display_name or "").split()
    return words[0] if words else None


async def counsellor_of_group(session: AsyncSession, group: PeerGroup) -> StaffMember | None:
    """The group's counsellor, while they hold the role."""
    if group.counsellor_id is None:
        return None
    staff = await session.get(StaffMember, group.counsellor_id)
    return staff if staff is not None and staff.active else None


async def counsellor_name(session: AsyncSession, group: PeerGroup) -> str | None:
    """The first name of the group's counsellor, as members see it (None without one)."""
    staff = await counsellor_of_group(session, group)
    return first_name(staff.display_name) if staff is not None else None


async def staff_name(session: AsyncSession, telegram_user_id: int) -> str | None:
    """The first name a staff member gave (any role they hold), or None."""
    name = await session.scalar(
        select(StaffMember.display_name)
        .where(
            StaffMember.telegram_user_id == telegram_user_id,
            StaffMember.active,
            StaffMember.display_name.is_not(None),
        )
        .order_by(StaffMember.id)
        .limit(1)
    )
    return first_name(name)


async def welcome_text(session: AsyncSession, group: PeerGroup, names: list[str]) -> str:
    """The welcome for newcomers `names`, naming the group's counsellor, in the languages of
    the group's members."""
    counsellor = await counsellor_name(session, group)

    def render(language: Language) -> str:
        and_ = text(language, "join.and")
        listed = ", ".join(names[:-1]) + and_ + names[-1] if len(names) > 1 else names[0]
        words = plural(language, "join.welcome", len(names), names=listed)
        if counsellor is None:
            return words
        return words + " " + text(language, "presence.welcome_counsellor", name=counsellor)

    return in_languages(await group_languages(session, group), render)


def signed(name: str | None, words: str, languages: tuple[Language, ...]) -> str:
    """A counsellor's words in their group, under their name ("💬 Sanne (je begeleider):")."""
    if name is None:
        return words
    role = " / ".join(text(language, "presence.role") for language in languages)
    return f"💬 {name} ({role}):\n{words}"


async def counsellor_posted(
    session: AsyncSession, group_id: int, via: PostedVia, now: datetime, dedupe: str
) -> None:
    """The group's counsellor said something in the group."""
    await group_event(
        session, group_id, GroupEventKind.COUNSELLOR_POST, now, via=via, dedupe=dedupe
    )


async def counsellor_answered(
    session: AsyncSession, participant_id: int, via: str, now: datetime, dedupe: str
) -> None:
    """A member's question was answered: counted for their group (none outside a group)."""
    group_id = await session.scalar(
        select(GroupMember.group_id).where(GroupMember.participant_id == participant_id)
    )
    if group_id is not None:
        kind = GroupEventKind.COUNSELLOR_ANSWER
        await group_event(session, group_id, kind, now, via=via, dedupe=dedupe)
