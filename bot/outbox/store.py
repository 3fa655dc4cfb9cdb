"""The outbox's SQL: claim due rows with a lease, and record how each delivery ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    func,
    null,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import table_of
from bot.db.delivery import (
    OUTBOX_UNFINISHED,
    ChatType,
    OutboxMessage,
    OutboxStatus,
    UnreachableChat,
)
from bot.db.upsert import insert_if_absent
from bot.outbox.messages import MESSAGE_METHODS, is_message

M = OutboxMessage
OUTBOX = table_of(OutboxMessage)
UNFINISHED = text(f"{OUTBOX.name}.{OUTBOX_UNFINISHED}")


@dataclass(frozen=True)
class ClaimedMessage:
    """A row the sender holds a lease on."""

    id: int
    chat_id: int
    chat_type: ChatType
    method: str
    payload: dict[str, Any]
    participant_id: int | None
    kind: str
    lease_until: datetime
    priority: int = 1
    rank_at: datetime | None = None

    @property
    def is_message(self) -> bool:
        return is_message(self.method)


def _claim_statement() -> Update:
    """Built once, in Core: a claim runs after nearly every delivery, and building the statement
    (and the ORM's bulk-update bookkeeping) cost more than SQLite took to run it.

    Each chat's first due row by (`rank_at`, id) is its candidate: a reply ranks ahead of that
    chat's own queued bulk rows, and rows of one lane keep the order they became due in (then
    the order they were queued in). Candidates are taken in the same order across chats.
    """
    t = OUTBOX
    due = or_(
        and_(t.c.status == OutboxStatus.PENDING, t.c.not_before <= bindparam("claim_now")),
        and_(t.c.status == OutboxStatus.SENDING, t.c.lease_until < bindparam("claim_wall_now")),
    )
    busy_chats = select(t.c.chat_id).where(
        UNFINISHED,
        t.c.status == OutboxStatus.SENDING,
        t.c.lease_until >= bindparam("claim_wall_now"),
        t.c.chat_id.is_not(None),
    )
    place = (
        func.row_number()
        .over(partition_by=t.c.chat_id, order_by=(t.c.rank_at, t.c.id))
        .label("place")
    )
    ranked = (
        select(t.c.id, t.c.rank_at, place)
        .where(UNFINISHED, due, t.c.chat_id.is_not(None), t.c.chat_id.not_in(busy_chats))
        .subquery("ranked")
    )
    first_per_chat = (
        select(ranked.c.id)
        .where(ranked.c.place == 1)
        .order_by(ranked.c.rank_at, ranked.c.id)
        .limit(bindparam("claim_limit", type_=Integer))
    )
    return (
        update(t)
        .where(t.c.id.in_(first_per_chat.scalar_subquery()), due)
        .values(
            status=OutboxStatus.SENDING,
            lease_until=bindparam("claim_lease_until", type_=t.c.lease_until.type),
        )
        .returning(
            t.c.id,
            t.c.chat_id,
            t.c.chat_type,
            t.c.method,
            t.c.payload,
            t.c.participant_id,
            t.c.kind,
            t.c.priority,
            t.c.rank_at,
        )
    )


CLAIM = _claim_statement()


async def claim_due(
    session: AsyncSession, *, now: datetime, wall_now: datetime, lease_until: datetime, limit: int
) -> list[ClaimedMessage]:
    """Lease the first due row (by lane, then age) of up to `limit` chats with nothing in flight.

    One row per chat keeps each chat's messages in order and its pace to Telegram's per-chat
    limit; a row whose lease ran out (its sender died) is due again. `now` is the study clock
    (when a message may go), `wall_now` real time (leases are about live processes).
    """
    result = await session.execute(
        CLAIM,
        {
            "claim_now": now,
            "claim_wall_now": wall_now,
            "claim_lease_until": lease_until,
            "claim_limit": limit,
        },
    )
    claimed = [
        ClaimedMessage(
            id=row.id,
            chat_id=row.chat_id,
            chat_type=row.chat_type,
            method=row.method,
            payload=row.payload,
            participant_id=row.participant_id,
            kind=row.kind,
            lease_until=lease_until,
            priority=row.priority,
            rank_at=row.rank_at,
        )
        for row in result.all()
    ]
    return sorted(claimed, key=lambda message: (message.rank_at or lease_until, message.id))


async def renew_leases(session: AsyncSession, held_until: datetime, until: datetime) -> set[int]:
    """Extend every lease a sender holds in one statement; the ids it still holds.

    A sender leases all its rows until one shared moment (`held_until`), so that moment is its
    token: a row whose lease ran out and was claimed again carries its new holder's.
    """
    result = await session.execute(
        update(OUTBOX)
        .where(
            UNFINISHED,
            OUTBOX.c.status == OutboxStatus.SENDING,
            OUTBOX.c.lease_until == held_until,
        )
        .values(lease_until=until)
        .returning(OUTBOX.c.id)
    )
    return {row.id for row in result}


# The methods whose parameters may stay once the row is done: documents carry personal data,
# and a call's parameters name a person (a join request's user id, a stranger's included) and
# its result (an invite link) went to its follow-up.
_PAYLOAD_KEPT = MESSAGE_METHODS - {"sendDocument"}


def _forget_personal(message: ClaimedMessage) -> dict[str, Any]:
    """Columns to clear once a row is done, so the outbox keeps no more than it must.

    A private chat of someone who is not (yet) a participant must leave no trace of their
    Telegram id (SPEC §2: no consent, nothing stored). `cancel_pending_for_chat` says the
    same in SQL.
    """
    values: dict[str, Any] = {}
    if message.chat_type is ChatType.PRIVATE and message.participant_id is None:
        values["chat_id"] = None
        values["payload"] = {}
    if message.method not in _PAYLOAD_KEPT:
        values["payload"] = {}
    return values


@dataclass(frozen=True)
class Sent:
    """A claimed message Telegram accepted."""

    message: ClaimedMessage
    telegram_message_id: int | None
    tries: int


async def mark_sent(session: AsyncSession, sent: Sequence[Sent], *, now: datetime) -> None:
    """Record deliveries, one executemany per kind of clean-up rather than one per message."""
    table = OutboxMessage.__table__
    assert isinstance(table, Table)  # Core, so a list of parameters is an executemany
    # rows differ only in which personal columns they clear, so there are at most a few groups
    groups: dict[frozenset[str], tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for item in sent:
        forget = _forget_personal(item.message)
        _, parameters = groups.setdefault(frozenset(forget), (forget, []))
        parameters.append(
            {"b_id": item.message.id, "b_message": item.telegram_message_id, "b_tries": item.tries}
        )
    for forget, parameters in groups.values():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status=OutboxStatus.SENT,
                telegram_message_id=bindparam("b_message"),
                attempts=table.c.attempts + bindparam("b_tries"),
                sent_at=now,
                lease_until=None,
                last_error=None,
                **forget,
            )
        )
        await session.execute(statement, parameters)


async def mark_failed(
    session: AsyncSession, message: ClaimedMessage, *, reason: str, tries: int
) -> None:
    await session.execute(
        update(M)
        .where(M.id == message.id)
        .values(
            status=OutboxStatus.FAILED,
            attempts=M.attempts + tries,
            last_error=reason[:500],
            lease_until=None,
            **_forget_personal(message),
        )
    )


async def cancel_pending_for_chat(session: AsyncSession, chat_id: int, reason: str) -> int:
    """Cancel every message still waiting for `chat_id`; returns how many.

    A cancelled row is done too, so it forgets what `_forget_personal` forgets of a row that
    ended otherwise: a stranger's chat id (a goodbye after /delete, say, whose chat blocked the
    bot) and the parameters of documents and calls.
    """
    stranger = and_(M.participant_id.is_(None), M.chat_type == ChatType.PRIVATE)
    personal_payload = or_(stranger, M.method.not_in(_PAYLOAD_KEPT))
    result = await session.execute(
        update(M)
        .where(M.chat_id == chat_id, M.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .values(
            status=OutboxStatus.CANCELLED,
            last_error=reason[:500],
            lease_until=None,
            chat_id=case((stranger, null()), else_=M.chat_id),
            payload=case((personal_payload, type_coerce({}, JSON)), else_=M.payload),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def cancel_pending_for_participant(
    session: AsyncSession, participant_id: int, kinds: Sequence[str], reason: str
) -> None:
    """Withdraw the participant's queued messages of `kinds` (after /pause, /stop or /delete)."""
    await session.execute(
        update(M)
        .where(
            M.participant_id == participant_id,
            M.status == OutboxStatus.PENDING,
            M.kind.in_(kinds),
        )
        .values(status=OutboxStatus.CANCELLED, last_error=reason)
    )


async def mark_unreachable(
    session: AsyncSession, message: ClaimedMessage, reason: str, now: datetime
) -> int:
    """Stop all messages to the chat; remember it only if it belongs to a participant."""
    if message.participant_id is not None:
        await insert_if_absent(
            session,
            UnreachableChat,
            {"chat_id": message.chat_id, "since": now, "reason": reason[:200]},
            ["chat_id"],
        )
    return await cancel_pending_for_chat(session, message.chat_id, reason)


async def mark_reachable(session: AsyncSession, chat_id: int) -> bool:
    """The person wrote again: messages may flow. True when they had been unreachable."""
    statement = delete(UnreachableChat).where(UnreachableChat.chat_id == chat_id)
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unfinished(session: AsyncSession, *, now: datetime) -> int:
    """Messages due by `now` that are not yet sent, failed or cancelled."""
    count = await session.scalar(
        select(func.count())
        .select_from(M)
        .where(
            UNFINISHED,
            or_(
                and_(M.status == OutboxStatus.PENDING, M.not_before <= now),
                M.status == OutboxStatus.SENDING,
            ),
        )
    )
    return int(count or 0)
