"""The inbox's scheduled scan: counsellors for whoever lacks one, reminders and escalations for
unanswered tickets, closing answered tickets nobody wrote about for `inbox.close_answered_after`,
and forgetting the text of tickets closed longer than the retention period.

An open ticket nobody has answered yet is reminded to its counsellor once after
`inbox.remind_after`, and escalated to the admins once after `inbox.escalate_after` (both
counted from when it was asked, or asked again); an answered ticket is no longer open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.calls import CallTask
from bot.db.study import Participant
from bot.db.tickets import Ticket, TicketStatus
from bot.i18n import text
from bot.outbox import OutboxKind
from bot.services.counsellor_inbox.tickets import (
    DRAFT_LIFETIME,
    ESCALATION_KIND,
    REMINDER_KIND,
    active_counsellor,
    assign_missing,
    forget_text,
    pseudonym_of,
    record,
    send_to_staff,
)
from bot.services.trial import Trial
from bot.services.turns import language_for_staff
from experiments.records import EventKind

BATCH = 200  # tickets per kind of work per scan; the next scan takes the rest


@dataclass
class InboxScan:
    assigned: int = 0
    reminded: int = 0
    escalated: int = 0
    closed: int = 0
    forgotten: int = 0


async def scan_inbox(session: AsyncSession, trial: Trial, now: datetime) -> InboxScan:
    """Assign counsellors, remind, escalate and forget what is due."""
    inbox = trial.protocol.inbox
    scan = InboxScan(assigned=await assign_missing(session, trial))
    # a follow-up call's ticket is a task the assistant works through, not a question waiting
    calls = select(CallTask.ticket_id).where(CallTask.ticket_id.is_not(None))
    waiting = (
        Ticket.status == TicketStatus.OPEN,
        Ticket.answered_at.is_(None),
        Ticket.id.not_in(calls),
    )
    for ticket in await _tickets(
        session,
        *waiting,
        Ticket.reminded_at.is_(None),
        Ticket.opened_at <= now - inbox.remind_after,
    ):
        ticket.reminded_at = now
        counsellor = await active_counsellor(session, ticket.counsellor_id)
        to = [counsellor.telegram_user_id] if counsellor else await trial.staff.admins(session)
        await _tell(session, ticket, to, REMINDER_KIND, "inbox.reminder", trial, now)
        scan.reminded += 1
    for ticket in await _tickets(
        session,
        *waiting,
        Ticket.escalated_at.is_(None),
        Ticket.opened_at <= now - inbox.escalate_after,
    ):
        ticket.escalated_at = now
        record(session, ticket, EventKind.TICKET_ESCALATED, now, source="scheduler")
        await _tell(
            session, ticket, await trial.staff.admins(session), ESCALATION_KIND,
            "inbox.escalation", trial, now,
        )  # fmt: skip
        scan.escalated += 1
    for ticket in await _tickets(
        session,
        Ticket.status == TicketStatus.ANSWERED,
        Ticket.answered_at <= now - inbox.close_answered_after,
    ):
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
        record(session, ticket, EventKind.TICKET_CLOSED, now, {"by": "time"}, source="scheduler")
        scan.closed += 1
    closed = await _tickets(
        session,
        Ticket.status == TicketStatus.CLOSED,
        Ticket.forgotten_at.is_(None),
        Ticket.closed_at <= now - inbox.retention,
    )
    await forget_text(session, [ticket.id for ticket in closed], now)
    scan.forgotten = len(closed)
    await session.execute(
        delete(Ticket).where(
            Ticket.status == TicketStatus.DRAFT, Ticket.created_at <= now - DRAFT_LIFETIME
        )
    )
    return scan


async def _tickets(session: AsyncSession, *conditions: object) -> list[Ticket]:
    return list(
        await session.scalars(select(Ticket).where(*conditions).order_by(Ticket.id).limit(BATCH))  # type: ignore[arg-type]
    )


async def _tell(
    session: AsyncSession,
    ticket: Ticket,
    to: list[int],
    kind: OutboxKind,
    key: str,
    trial: Trial,
    now: datetime,
) -> None:
    participant = await session.get(Participant, ticket.participant_id)
    assert participant is not None
    opened = ticket.opened_at or ticket.created_at
    for chat_id in to:
        language = await language_for_staff(session, chat_id)
        words = text(
            language,
            key,
            ticket=ticket.id,
            who=await pseudonym_of(session, participant),
            hours=int((now - opened).total_seconds() // 3600),
            staff=ticket.counsellor_id or "–",
            question=ticket.text or "",
        )
        # once per round: a ticket asked again after an answer is reminded again
        round_key = f"{kind}:{ticket.id}:{chat_id}:{ticket.answers}"
        await send_to_staff(
            session, ticket, chat_id, words, kind, language, trial, now=now, key=round_key
        )
