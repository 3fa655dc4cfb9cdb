"""Where a member stands: their place in an active group, which opt-in ingredients the group
offers, and their choices (a row made the first time it is needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Participant, ParticipantStatus
from bot.db.together import MemberChoices
from bot.services.peer_groups.ingredients import group_components
from bot.services.trial import Trial
from experiments.protocol import Component

# the ingredients a member opts in to, in the order the menu shows them
OPT_INS: Final = (Component.PROGRESS_SHARING, Component.BUDDY, Component.HOST_ROTATION)
# who is still taking part: a paused member keeps their buddy and their place in the rotation
TAKING_PART: Final = (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)


@dataclass
class Place:
    """A member of an active group, what the group offers them, and what they chose."""

    participant: Participant
    member: GroupMember
    group: PeerGroup
    offered: frozenset[Component]
    choices: MemberChoices

    def offers(self, component: Component) -> bool:
        return component in self.offered


async def place_of(session: AsyncSession, trial: Trial, participant: Participant) -> Place | None:
    """The participant's place, if they joined a group that is running; None otherwise."""
    found = (
        await session.execute(
            select(GroupMember, PeerGroup)
            .join(PeerGroup, PeerGroup.id == GroupMember.group_id)
            .where(
                GroupMember.participant_id == participant.id,
                GroupMember.status == MemberStatus.JOINED,
                PeerGroup.status == GroupStatus.ACTIVE,
            )
        )
    ).first()
    if found is None:
        return None
    member, group = found
    components = await group_components(session, trial, group)
    offered = frozenset(component for component in OPT_INS if component in components)
    if not offered:  # nothing to choose: nothing is stored either
        choices = MemberChoices(participant_id=participant.id, group_id=group.id, hosted=0)
        return Place(participant, member, group, offered, choices)
    return Place(participant, member, group, offered, await choices_of(session, member))


async def choices_of(session: AsyncSession, member: GroupMember) -> MemberChoices:
    """The member's choices, made (everything off) when they have none yet."""
    choices = await session.get(MemberChoices, member.participant_id)
    if choices is None:
        choices = MemberChoices(participant_id=member.participant_id, group_id=member.group_id)
        choices.hosted = 0
        session.add(choices)
        await session.flush()
    return choices


def release_name(choices: MemberChoices) -> None:
    """Forget the chosen name once nothing shows it (SPEC §11.4: kept only while in use)."""
    if choices.sharing_since is None and choices.buddy_since is None:
        choices.shown_name = None
    choices.pending_name = None
    choices.pending_for = None
    choices.naming_since = None


def in_group_taking_part() -> tuple[ColumnElement[bool], ...]:
    """Conditions (on GroupMember joined with Participant) for members who are in their group's
    chat and still take part."""
    return (
        GroupMember.status == MemberStatus.JOINED,
        Participant.status.in_(TAKING_PART),
        Participant.telegram_user_id.is_not(None),
    )
