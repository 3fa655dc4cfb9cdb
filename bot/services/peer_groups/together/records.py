"""The ingredients' records: a member's event (what they chose, what reached them) and a
group's own event (SPEC §11.5). Neither ever holds the chosen name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Event
from bot.db.together import GroupEvent
from bot.db.upsert import insert_if_absent
from experiments.records import EventKind, GroupEventKind

SOURCE = "group"


async def person_event(
    session: AsyncSession,
    participant_id: int,
    kind: EventKind,
    now: datetime,
    *,
    group_id: int,
    dedupe: str | None = None,
    quantity: int | None = None,
    **detail: str | int,
) -> None:
    """One event of a member; with `dedupe`, written at most once (NULL never conflicts)."""
    values = {
        "participant_id": participant_id,
        "kind": kind,
        "amount_cents": None,
        "quantity": quantity,
        "detail": {"group": group_id, **detail},
        "occurred_at": now,
        "source": SOURCE,
        "dedupe_key": dedupe,
        "corrects_event_id": None,
    }
    await insert_if_absent(session, Event, values, ["dedupe_key"])


async def group_event(
    session: AsyncSession,
    group_id: int,
    kind: GroupEventKind,
    now: datetime,
    *,
    week_start: datetime | None = None,
    via: str | None = None,
    quantity: int | None = None,
    dedupe: str | None = None,
) -> bool:
    """One event of a group (SPEC §11.5), the only writer of `group_events`; with `dedupe`,
    written at most once (True when written)."""
    values = {
        "group_id": group_id,
        "kind": kind,
        "week_start": week_start,
        "via": via,
        "quantity": quantity,
        "occurred_at": now,
        "dedupe_key": dedupe,
    }
    return await insert_if_absent(session, GroupEvent, values, ["dedupe_key"])
