"""Reports: a member replies /report to a message; the counsellor sees it privately and resolves it.

The reported message's text is the only group text the bot keeps, and only until the report
is resolved. The `/report` command itself is deleted from the group, so others do not see who
reported; the reporter is thanked in private.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, GroupReport, PeerGroup
from bot.db.study import Participant
from bot.i18n import Language, text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.services import button_data
from bot.services.peer_groups.lookups import (
    GroupError,
    active_group,
    group_text,
    membership,
    responsible,
    touch_staff,
)
from bot.services.peer_groups.messaging import post, tell
from bot.services.peer_groups.moderation import GroupCommand
from bot.services.peer_groups.moderation_log import Actor, log_action
from bot.services.peer_groups.sanctions import Sanction, apply, chat_of
from bot.services.trial import Trial
from bot.services.turns import Turn

PREVIEW = 600  # characters of a reported message shown to the counsellor


def message_link(chat_id: int, message_id: int) -> str:
    """The t.me link that opens a message in a supergroup (for its members and admins)."""
    return f"https://t.me/c/{str(chat_id).removeprefix('-100')}/{message_id}"


async def report(turn: Turn, _trial: Trial, command: GroupCommand) -> None:
    """/report as a reply: store the report, tell the counsellor, thank the reporter, and
    queue the deletion of the /report from the group."""
    session, now = turn.session, turn.now
    group = await active_group(session, command.chat_id)
    if group is None:
        return
    if command.target_message_id is None:
        words = group_text(group, "reports.how")
        await post(
            session,
            group,
            words,
            kind=OutboxKind.GROUP_REPLY,
            intent=f"report:{command.update_id}",
            now=now,
        )
        return
    reporter = await membership(session, command.sender_id)
    reported = await membership(session, command.target_user_id or 0)
    row = GroupReport(
        group_id=group.id,
        at=now,
        reporter_member_id=reporter.id if reporter and reporter.group_id == group.id else None,
        reported_member_id=reported.id if reported and reported.group_id == group.id else None,
        message_id=command.target_message_id,
        text=command.target_text,
    )
    session.add(row)
    await session.flush()
    link = message_link(command.chat_id, command.target_message_id)
    for recipient in await responsible(session, group, turn.staff):
        label = text(recipient.language, "reports.resolve_button", report=row.id)
        await tell(
            session,
            recipient,
            "reports.to_counsellor",
            kind=OutboxKind.GROUP_REPORT,
            intent=f"report:{command.update_id}",
            now=now,
            buttons=[[button_data.button(label, button_data.ResolveFlag(row.id))]],
            group=group.id,
            report=row.id,
            tag=reported.tag if row.reported_member_id and reported else "–",
            words=_preview(row.text, recipient.language),
            link=link,
        )
    await _thank(session, group, command, now)
    # the /report itself leaves the group, so others do not see who reported
    delete = Sanction("delete", chat_of(group), message_id=command.message_id)
    await apply(session, delete, f"report:{command.update_id}", now)


async def _thank(
    session: AsyncSession, group: PeerGroup, command: GroupCommand, now: datetime
) -> None:
    participant = await session.scalar(
        select(Participant).where(Participant.telegram_user_id == command.sender_id)
    )
    language = Language(participant.language) if participant else Language(group.language)
    message = OutgoingMessage(
        chat_id=command.sender_id,
        text=text(language, "reports.thanks"),
        kind=OutboxKind.REPORT_THANKS,
        intent_key=f"report_thanks:{command.update_id}",
        participant_id=participant.id if participant else None,
    )
    await enqueue(session, message, now)


def _preview(words: str | None, language: Language) -> str:
    if not words:
        return text(language, "reports.no_text")
    return words if len(words) <= PREVIEW else words[:PREVIEW] + "…"


async def open_reports(turn: Turn) -> list[GroupReport]:
    """Unresolved reports of the groups this person answers for (every group for admins)."""
    query = select(GroupReport).where(GroupReport.resolved_at.is_(None)).order_by(GroupReport.id)
    reports = list(await turn.session.scalars(query))
    visible = []
    for row in reports:
        group = await turn.session.get(PeerGroup, row.group_id)
        if group and await turn.role_in(group):
            visible.append(row)
    return visible


async def open_reports_text(turn: Turn, trial: Trial) -> tuple[str, list[list[Button]]]:
    """/flags: the open reports as text, with one "Resolved" button each."""
    session, language = turn.session, turn.language
    rows = await open_reports(turn)
    if not rows:
        return text(language, "reports.none"), []
    lines = [text(language, "reports.open")]
    buttons = []
    for row in rows:
        reported = await session.get(GroupMember, row.reported_member_id or 0)
        lines.append(
            text(
                language,
                "reports.line",
                report=row.id,
                group=row.group_id,
                when=row.at.astimezone(trial.protocol.zone).strftime("%d-%m %H:%M"),
                tag=reported.tag if reported else "–",
                words=_preview(row.text, language),
            )
        )
        label = text(language, "reports.resolve_button", report=row.id)
        buttons.append([button_data.button(label, button_data.ResolveFlag(row.id))])
    return "\n".join(lines), buttons


async def resolve(turn: Turn, report_id: int) -> GroupReport:
    """Mark a report resolved and forget the reported text; GroupError if not theirs."""
    session, now, telegram_user_id = turn.session, turn.now, turn.user_id
    row = await session.get(GroupReport, report_id)
    group = await session.get(PeerGroup, row.group_id) if row else None
    role = await turn.role_in(group) if group else None
    if row is None or group is None or role is None:
        raise GroupError("reports.not_yours", report=report_id)
    if row.resolved_at is None:
        row.resolved_at, row.resolved_by_telegram_id, row.text = now, telegram_user_id, None
        reported = row.reported_member_id
        target = await session.get(GroupMember, reported) if reported else None
        await log_action(
            session, group, Actor(role, telegram_user_id), "resolve_report", target, now
        )
        await touch_staff(session, telegram_user_id, now)
    return row
