"""Who owns a group's Telegram chat, for the admin who removes a counsellor.

A Telegram group belongs to whoever created it (its `creator`), not to the bot: a removed
counsellor who made the group keeps its members and everything written in it, and the bot
cannot take that away. So when a counsellor is removed, the admin hears, for every Telegram
group that counsellor led or bound, who owns it and how the owner hands it over, in numbered
steps. The owner is read from Telegram (getChatAdministrators) before the transaction, by the
caller; when it could not be read (no token, Telegram unreachable), the admin hears what we
know and what to ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupStatus, PeerGroup
from bot.db.study import Role, StaffMember
from bot.i18n import Language, text


@dataclass(frozen=True)
class ChatOwner:
    """What Telegram says about a chat's owner, or why it could not be asked."""

    owner_id: int | None = None  # the creator's Telegram id
    owner_name: str = ""  # their first name as Telegram shows it (for this message only)
    chat_admins: frozenset[int] = frozenset()  # the chat's other administrators, the bot included
    unread: str | None = None  # why the owner is not known


async def chats_of(session: AsyncSession, telegram_user_id: int) -> list[int]:
    """The Telegram chats of the groups this counsellor leads or bound."""
    groups = await _groups_of(session, telegram_user_id)
    return [group.telegram_chat_id for group in groups if group.telegram_chat_id is not None]


async def _groups_of(session: AsyncSession, telegram_user_id: int) -> list[PeerGroup]:
    staff_ids = select(StaffMember.id).where(
        StaffMember.telegram_user_id == telegram_user_id, StaffMember.role == Role.COUNSELLOR
    )
    found = await session.scalars(
        select(PeerGroup)
        .where(
            PeerGroup.telegram_chat_id.is_not(None),
            or_(PeerGroup.counsellor_id.in_(staff_ids), PeerGroup.bound_by_id.in_(staff_ids)),
        )
        .order_by(PeerGroup.id)
    )
    return list(found)


async def handover_notes(
    session: AsyncSession,
    telegram_user_id: int,
    owners: Mapping[int, ChatOwner],
    language: Language,
) -> list[str]:
    """One note per Telegram group of a removed counsellor: who owns it and what to do."""
    notes = []
    who = text(language, "handover.counsellor", id=telegram_user_id)
    theirs = select(StaffMember.id).where(StaffMember.telegram_user_id == telegram_user_id)
    staff_ids = set(await session.scalars(theirs))
    for group in await _groups_of(session, telegram_user_id):
        assert group.telegram_chat_id is not None
        owner = owners.get(group.telegram_chat_id) or ChatOwner(unread="not asked")
        lines = [_owner_note(language, group.id, who, telegram_user_id, owner)]
        if group.counsellor_id in staff_ids and group.status is not GroupStatus.CLOSED:
            lines.append(text(language, "handover.new_counsellor", group=group.id))
        notes.append("\n\n".join(lines))
    return notes


def _owner_note(
    language: Language, group: int, who: str, telegram_user_id: int, owner: ChatOwner
) -> str:
    steps = text(language, "handover.steps")
    if owner.unread is not None or owner.owner_id is None:
        why = (owner.unread or "")[:120]
        return text(language, "handover.unknown", group=group, who=who, why=why, steps=steps)
    if owner.owner_id == telegram_user_id:
        return text(language, "handover.theirs", group=group, who=who, steps=steps)
    note = text(
        language, "handover.other", group=group, who=who, owner=owner.owner_name,
        owner_id=owner.owner_id,
    )  # fmt: skip
    if telegram_user_id in owner.chat_admins:
        note += "\n" + text(language, "handover.still_admin", who=who)
    return note
