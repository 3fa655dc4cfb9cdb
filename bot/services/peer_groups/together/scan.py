"""The ingredients' part of the scheduler's group scan: one invitation per member to choose,
buddies of members who left told and re-paired, the week's buddy lines, the week's host."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, MemberStatus
from bot.db.study import Participant, ParticipantStatus
from bot.db.together import MemberChoices
from bot.i18n import Language, text
from bot.outbox import OutboxKind
from bot.services import button_data
from bot.services.button_data import Together
from bot.services.peer_groups.ingredients import active_groups_with
from bot.services.peer_groups.together import private
from bot.services.peer_groups.together.buddy_lines import scan_buddy_lines
from bot.services.peer_groups.together.hosting import scan_host_weeks
from bot.services.peer_groups.together.leaving import tidy_buddies
from bot.services.peer_groups.together.places import OPT_INS, choices_of
from bot.services.peer_groups.together.private import Note
from bot.services.trial import Trial
from experiments.protocol import Component

OPTION_KEYS = {
    Component.PROGRESS_SHARING: "together.option.sharing",
    Component.BUDDY: "together.option.buddy",
    Component.HOST_ROTATION: "together.option.host",
}


@dataclass
class TogetherScan:
    invited: int = 0
    buddies_ended: int = 0
    buddy_lines: int = 0
    hosts: int = 0


async def scan_together(session: AsyncSession, trial: Trial, now: datetime) -> TogetherScan:
    """Run every due part; each is recorded, so a second tick adds nothing."""
    scan = TogetherScan()
    scan.invited = await invite_members(session, trial, now)
    scan.buddies_ended = await tidy_buddies(session, now)
    scan.buddy_lines = await scan_buddy_lines(session, trial, now)
    scan.hosts = await scan_host_weeks(session, trial, now)
    return scan


async def invite_members(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Tell each member who joined a group with opt-in ingredients, once, what they may choose
    (everything is off until they do), with a button to the menu."""
    offers: dict[int, list[Component]] = {}
    for component in OPT_INS:
        for group in await active_groups_with(session, trial, component):
            offers.setdefault(group.id, []).append(component)
    if not offers:
        return 0
    rows = await session.execute(
        select(GroupMember, Participant)
        .join(Participant, Participant.id == GroupMember.participant_id)
        .outerjoin(MemberChoices, MemberChoices.participant_id == GroupMember.participant_id)
        .where(
            GroupMember.group_id.in_(sorted(offers)),
            GroupMember.status == MemberStatus.JOINED,
            Participant.status == ParticipantStatus.ACTIVE,
            Participant.telegram_user_id.is_not(None),
            MemberChoices.invited_at.is_(None),
        )
        .order_by(GroupMember.id)
    )
    invited = 0
    for member, participant in rows:
        (await choices_of(session, member)).invited_at = now
        language = Language(participant.language)
        options = [text(language, OPTION_KEYS[c]) for c in offers[member.group_id]]
        listed = ", ".join(options[:-1]) + text(language, "join.and") + options[-1]
        note = Note(
            participant, "together.invite", {"options": listed if len(options) > 1 else options[0]}
        )
        label = text(language, "shortcut.together")
        invited += await private.send(
            session, note, kind=OutboxKind.TOGETHER_INVITE, intent=f"together_invite:{member.id}",
            now=now, not_before=trial.protocol.next_allowed_time(now),
            buttons=[[button_data.button(label, Together("menu"))]],
        )  # fmt: skip
    return invited
