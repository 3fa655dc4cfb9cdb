"""When a member can no longer take part in their group's ingredients: they left the chat,
stopped, or erased their data. Their buddy is told kindly (without their name once they are
gone) and paired again; /delete also forgets the name they chose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, MemberStatus
from bot.db.study import Event, Participant
from bot.db.together import MemberChoices
from bot.services.peer_groups.together import buddies, sharing
from bot.services.peer_groups.together.places import TAKING_PART
from experiments.records import EventKind


async def tidy_buddies(session: AsyncSession, now: datetime) -> int:
    """End the buddy wish of members no longer in their group's chat (left, removed, stopped
    or erased); their buddies hear it and are re-paired. How many were ended."""
    gone = await session.scalars(
        select(MemberChoices)
        .join(GroupMember, GroupMember.participant_id == MemberChoices.participant_id)
        .join(Participant, Participant.id == MemberChoices.participant_id)
        .where(
            MemberChoices.buddy_since.is_not(None),
            or_(
                GroupMember.status != MemberStatus.JOINED,
                Participant.status.not_in(TAKING_PART),
                Participant.telegram_user_id.is_(None),
            ),
        )
        .order_by(MemberChoices.participant_id)
    )
    ended = 0
    for choices in list(gone):
        await buddies.stop(session, choices, now, how="left_group", named=False)
        ended += 1
    return ended


@dataclass(frozen=True)
class Forgotten:
    """What /delete still has to scrub: the chosen name, and everyone who was ever their buddy
    (messages to them may name the person)."""

    name: str | None = None
    buddies: frozenset[int] = frozenset()


async def forget(session: AsyncSession, participant_id: int, now: datetime) -> Forgotten:
    """/delete: out of their pair (the buddy told without their name), shared posts still
    waiting withdrawn, their choices and chosen name erased."""
    choices = await session.get(MemberChoices, participant_id)
    if choices is None:
        return Forgotten()
    name = choices.shown_name
    paired_with = await _ever_paired_with(session, participant_id, choices.group_id)
    if choices.buddy_since is not None or choices.buddy_pair_id is not None:
        await buddies.stop(session, choices, now, how="erased", named=False)
    await sharing.withdraw_waiting(session, participant_id, "erased")
    await session.delete(choices)
    await session.flush()
    return Forgotten(name, paired_with)


async def _ever_paired_with(
    session: AsyncSession, participant_id: int, group_id: int
) -> frozenset[int]:
    """Everyone in their group who shared a buddy pair with the person (the pairing events)."""
    members = select(GroupMember.participant_id).where(GroupMember.group_id == group_id)
    paired = await session.execute(
        select(Event.participant_id, Event.detail).where(
            Event.kind == EventKind.BUDDY_PAIRED, Event.participant_id.in_(members)
        )
    )
    seats = [(person, (detail or {}).get("pair")) for person, detail in paired]
    theirs = {pair for person, pair in seats if person == participant_id}
    return frozenset(p for p, pair in seats if pair in theirs and p != participant_id)
