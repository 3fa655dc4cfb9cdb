"""What the counsellor's check-in counts, for the inbox to call without importing the rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Event
from bot.db.tickets import Ticket
from bot.db.upsert import insert_if_absent
from experiments.records import EventKind


async def outreach_answered(session: AsyncSession, ticket: Ticket, now: datetime) -> bool:
    """The participant wrote back on a check-in their counsellor started: counted once per
    check-in (its first answer), with the wait since it was sent. False for any other ticket,
    and for a check-in already answered."""
    if ticket.outreach_round is None or ticket.answered_at is None:
        return False
    row = {
        "participant_id": ticket.participant_id,
        "kind": EventKind.OUTREACH_ANSWERED,
        "amount_cents": None,
        "quantity": None,
        "detail": {
            "ticket": ticket.id,
            "round": ticket.outreach_round,
            "wait_s": int((now - ticket.answered_at).total_seconds()),
        },
        "occurred_at": now,
        "source": "telegram",
        "dedupe_key": f"outreach_answered:{ticket.id}",
        "corrects_event_id": None,
    }
    return await insert_if_absent(session, Event, row, ["dedupe_key"])
