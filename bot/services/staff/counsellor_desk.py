"""Counsellor commands in the private chat: /groups, /group, /flags, /post, and an admin's /assign.

The runner has checked that the person is staff; which groups they may see is decided here,
per group. A refusal (not your group, not bound yet) is answered with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, PeerGroup
from bot.db.study import Participant
from bot.services.counsellor_inbox import desk as inbox_desk
from bot.services.peer_groups import binding, views
from bot.services.peer_groups import flags as reports
from bot.services.peer_groups.lookups import GroupError, refusing, say_refusal
from bot.services.trial import Trial
from bot.services.turns import Turn


async def list_groups(turn: Turn, trial: Trial) -> None:
    """/groups: each group with members joined and this week's activity, and pools waiting
    past the protocol's limit."""
    words = await views.groups_overview(turn, trial)
    if (tickets := await inbox_desk.groups_summary(turn)) is not None:
        words += "\n\n" + tickets
    await turn.say_text("groups.plain", words=words)


async def show_group(
    turn: Turn, trial: Trial, group_id: int | None, names: Mapping[int, str]
) -> None:
    """/group <id>: who saved (or took a step) this week, members with last activity (and
    `names` Telegram shows for them now)."""
    if group_id is None:
        await turn.say_text("counsellor.group_usage")
        return
    try:
        group, members = await views.group_members(turn, trial, group_id)
    except GroupError as refusal:
        await say_refusal(turn, refusal)
        return
    words = await views.render_group(turn.session, group, members, names, turn.language, trial)
    week = await views.week_line(turn.session, group, turn.language, trial, turn.now)
    words = views.summary_after_head(words, week)
    words += "\n\n" + await inbox_desk.group_summary(turn, group.id)
    await turn.say_text("groups.plain", words=words)


async def telegram_ids_in(session: AsyncSession, group_id: int) -> tuple[int | None, list[int]]:
    """The group's chat and its members' Telegram ids, to look their names up before a turn."""
    group = await session.get(PeerGroup, group_id)
    if group is None:
        return None, []
    ids = await session.scalars(
        select(Participant.telegram_user_id)
        .join(GroupMember, GroupMember.participant_id == Participant.id)
        .where(GroupMember.group_id == group_id, Participant.telegram_user_id.is_not(None))
    )
    return group.telegram_chat_id, [telegram_id for telegram_id in ids if telegram_id is not None]


async def flags(turn: Turn, trial: Trial) -> None:
    """/flags: open reports, each with a button to resolve it."""
    words, buttons = await reports.open_reports_text(turn, trial)
    await turn.say_text("groups.plain", words=words, buttons=buttons)


async def resolve(turn: Turn, _trial: Trial, report_id: int) -> None:
    """The "Resolved #n" button: close the report and forget the reported text."""
    try:
        row = await reports.resolve(turn, report_id)
    except GroupError as refusal:
        await say_refusal(turn, refusal)
        return
    await turn.say_text("reports.resolved", report=row.id)


async def post(turn: Turn, _trial: Trial, group_id: int | None, words: str) -> None:
    """/post <group> <text>: say something in one of your groups."""
    if group_id is None or not words.strip():
        await turn.say_text("counsellor.post_usage")
        return
    posting = views.post_to_group(turn, group_id, words.strip())
    # "Posted" comes once Telegram took it (bot.services.peer_groups.outcomes), never before.
    await refusing(turn, posting)


async def assign(turn: Turn, _trial: Trial, group_id: int | None, staff_id: int | None) -> None:
    """/assign <group> <counsellor>: an admin chooses a group's counsellor."""
    if group_id is None or staff_id is None:
        await turn.say_text("counsellor.assign_usage")
        return
    if await refusing(turn, binding.reassign(turn.session, group_id, staff_id, turn.now)):
        await turn.say_text("counsellor.assigned", group=group_id, staff=staff_id)
