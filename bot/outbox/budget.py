"""The daily budget of unsolicited private messages, checked at the moment of sending (SPEC §11.1).

The sender hands every claim to a gate (`BudgetGate`) before it delivers anything. For a private
message the bot starts on its own (a ranked kind, bot.outbox.ranks) the gate asks, for that
person and the study's local day: is it quiet hours; were the day's messages already sent; was
the last one less than the minimum gap ago; is a higher-ranked one due later today? If so the
message goes back to the queue until it may go, or is dropped when that would be too late (it
waited longer than the protocol's `stale_after` since it was first due; invitations never
go stale). An encouragement after a reminder for the same period is dropped: "well done" after
"you missed your goal" reads as a bot that does not listen. Every deferral and every drop is an
event. The bot's own group posts wait out quiet hours as well.

A micro-randomized message was decided with the same rule at its decision point
(`budget_reason`), so only quiet hours hold it back here: deferring or dropping it afterwards
would make the decision log say what did not happen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.study import Event
from bot.outbox.messages import CONTEXT_KEY, LANE_GRACE, OutboxKind, Priority
from bot.outbox.ranks import QUIET_GROUP_POSTS, RANKED_KINDS, Rank, rank_of
from bot.outbox.store import ClaimedMessage
from experiments.protocol import MessageBudget, Protocol
from experiments.records import EventKind

__all__ = [
    "DECIDED",
    "BudgetGate",
    "Gate",
    "budget_reason",
    "day_of",
    "dropped",
    "most_unsolicited_in_a_day",
    "unsolicited_times",
]

# (session, claimed rows, study time) → the rows to deliver now; the others it put back or ended
Gate = Callable[[AsyncSession, list[ClaimedMessage], datetime], Awaitable[list[ClaimedMessage]]]
# a message's context key saying the budget was applied when it was decided (micro-randomized)
DECIDED = "decided"
_DUE = "due"  # a deferred message's context key: when it was first due (for staleness)
M = OutboxMessage


def day_of(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The study's local day holding `moment`: its first instant and the next day's (UTC)."""
    day = moment.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    following = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), following.astimezone(UTC)


def budget_reason(
    budget: MessageBudget, zone: ZoneInfo, times: Iterable[datetime], at: datetime
) -> tuple[str, datetime] | None:
    """Why one more unsolicited message may not go at `at`, given when the person's others
    went (`times`), and the earliest moment it may: None when it may go now.

    "budget_spent": the day's messages went already (wait for the next day); "min_gap": the
    last one went less than the minimum gap ago.
    """
    start, following = day_of(at, zone)
    earlier = [moment for moment in times if moment <= at]
    if sum(1 for moment in earlier if moment >= start) >= budget.per_day:
        return "budget_spent", following
    recent = [moment for moment in earlier if at - moment < budget.min_gap]
    if recent:
        return "min_gap", max(recent) + budget.min_gap
    return None


@dataclass(frozen=True)
class _Sent:
    chat_id: int
    kind: str
    at: datetime


@dataclass(frozen=True)
class _Verdict:
    reason: str
    until: datetime | None  # None: dropped


class BudgetGate:
    """The gate `OutboxSender` runs over each claim (bot.app wires it with the trial's protocol)."""

    def __init__(self, protocol: Protocol) -> None:
        self._protocol = protocol

    async def __call__(
        self, session: AsyncSession, claimed: list[ClaimedMessage], now: datetime
    ) -> list[ClaimedMessage]:
        ranked = [m for m in claimed if _ranked(m) is not None]
        quiet = self._protocol.next_allowed_time(now)
        held: dict[int, _Verdict] = {}
        if quiet > now:
            held.update({m.id: _Verdict("quiet_hours", quiet) for m in claimed if _quiet(m)})
        rest = [m for m in ranked if m.id not in held]
        if rest:
            held.update(await self._judge(session, rest, now))
        for message in claimed:
            verdict = held.get(message.id)
            if verdict is not None:
                await self._hold(session, message, verdict, now)
        return [message for message in claimed if message.id not in held]

    async def _judge(
        self, session: AsyncSession, messages: list[ClaimedMessage], now: datetime
    ) -> dict[int, _Verdict]:
        protocol = self._protocol
        start, following = day_of(now, protocol.zone)
        period = protocol.schedule.commitment_period
        since = min(start, now - protocol.message_budget.min_gap, now - period)
        chats = sorted({m.chat_id for m in messages})
        sent = await _sent_since(session, chats, since)
        waiting = await _best_waiting(session, chats, following)
        verdicts: dict[int, _Verdict] = {}
        for message in messages:
            rank = _ranked(message)
            assert rank is not None
            history = [s for s in sent if s.chat_id == message.chat_id]
            verdict = self._verdict(message, rank, history, waiting.get(message.chat_id), now)
            if verdict is not None:
                verdicts[message.id] = verdict
        return verdicts

    def _verdict(
        self,
        message: ClaimedMessage,
        rank: Rank,
        history: Sequence[_Sent],
        best_waiting: Rank | None,
        now: datetime,
    ) -> _Verdict | None:
        protocol, budget = self._protocol, self._protocol.message_budget
        context = message.payload.get(CONTEXT_KEY) or {}
        if context.get(DECIDED):
            return None
        period = protocol.schedule.commitment_period
        if message.kind == OutboxKind.ENCOURAGEMENT and any(
            s.kind == OutboxKind.REMINDER and now - s.at < period for s in history
        ):
            return _Verdict("follows_reminder", None)
        spent = budget_reason(budget, protocol.zone, (s.at for s in history), now)
        if spent is None and best_waiting is not None and best_waiting < rank:
            spent = "higher_rank", day_of(now, protocol.zone)[1]
        if spent is None:
            return None
        reason, after = spent
        until = protocol.next_allowed_time(after)
        if rank is not Rank.INVITATION and until - _due(message, context) > budget.stale_after:
            return _Verdict(f"stale_{reason}", None)
        return _Verdict(reason, until)

    async def _hold(
        self, session: AsyncSession, message: ClaimedMessage, verdict: _Verdict, now: datetime
    ) -> None:
        """Put the message back until `verdict.until`, or end it; an event says which and why."""
        if verdict.until is None:
            values: dict[str, Any] = {
                "status": OutboxStatus.CANCELLED,
                "last_error": f"dropped: {verdict.reason}",
            }
        else:
            context = dict(message.payload.get(CONTEXT_KEY) or {})
            context.setdefault(_DUE, _due(message, context).isoformat())
            values = {
                "status": OutboxStatus.PENDING,
                "not_before": verdict.until,
                "rank_at": verdict.until + LANE_GRACE[Priority(message.priority)],
                "payload": {**message.payload, CONTEXT_KEY: context},
            }
        await session.execute(
            update(M).where(M.id == message.id).values(lease_until=None, **values)
        )
        if message.participant_id is None or _ranked(message) is None:
            return  # a group post waiting out quiet hours concerns no one person
        detail = {"message": message.kind, "reason": verdict.reason}
        if verdict.until is not None:
            detail["until"] = verdict.until.isoformat()
        kind = EventKind.MESSAGE_DROPPED if verdict.until is None else EventKind.MESSAGE_DEFERRED
        session.add(
            Event(
                participant_id=message.participant_id,
                kind=kind,
                occurred_at=now,
                source="outbox",
                detail=detail,
            )
        )


def _ranked(message: ClaimedMessage) -> Rank | None:
    """The rank of a participant's unsolicited private message; None for anything exempt."""
    if not message.is_message or message.participant_id is None:
        return None
    if message.priority == Priority.REPLY:  # sent as the answer to what the person just did
        return None
    return rank_of(message.kind)


def _quiet(message: ClaimedMessage) -> bool:
    """Whether the message waits out quiet hours when it comes due inside them."""
    return _ranked(message) is not None or (
        message.is_message and message.kind in QUIET_GROUP_POSTS
    )


def _due(message: ClaimedMessage, context: dict[str, Any]) -> datetime:
    """When the message was first due, before any deferral."""
    first = context.get(_DUE)
    if first is not None:
        return datetime.fromisoformat(first)
    assert message.rank_at is not None
    return message.rank_at - LANE_GRACE[Priority(message.priority)]


def _unsolicited() -> Any:
    return (
        M.kind.in_(RANKED_KINDS),
        M.participant_id.is_not(None),
        M.priority != int(Priority.REPLY),
    )


async def _sent_since(session: AsyncSession, chats: list[int], since: datetime) -> list[_Sent]:
    rows = await session.execute(
        select(M.chat_id, M.kind, M.sent_at).where(
            M.chat_id.in_(chats),
            M.status == OutboxStatus.SENT,
            *_unsolicited(),
            M.sent_at >= since,
        )
    )
    return [_Sent(chat, kind, at) for chat, kind, at in rows if chat is not None and at]


async def _best_waiting(
    session: AsyncSession, chats: list[int], before: datetime
) -> dict[int, Rank]:
    """Per chat, the best rank among the unsolicited messages queued to go before `before`."""
    rows = await session.execute(
        select(M.chat_id, M.kind).where(
            M.chat_id.in_(chats),
            M.status == OutboxStatus.PENDING,
            *_unsolicited(),
            M.not_before < before,
        )
    )
    best: dict[int, Rank] = {}
    for chat, kind in rows:
        rank = rank_of(kind)
        if chat is not None and rank is not None:
            best[chat] = min(rank, best.get(chat, rank))
    return best


async def unsolicited_times(
    session: AsyncSession, participant_ids: Sequence[int], since: datetime
) -> dict[int, list[datetime]]:
    """When each person's unsolicited messages went (sent) or are to go (queued), from `since`."""
    found: dict[int, list[datetime]] = {}
    for start in range(0, len(participant_ids), 500):
        rows = await session.execute(
            select(M.participant_id, M.status, M.sent_at, M.not_before).where(
                M.participant_id.in_(participant_ids[start : start + 500]),
                M.status.in_([OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.SENDING]),
                *_unsolicited(),
                or_(M.sent_at >= since, M.not_before >= since),
            )
        )
        for pid, status, sent_at, not_before in rows:
            at = sent_at if status == OutboxStatus.SENT and sent_at is not None else not_before
            if pid is not None and at >= since:
                found.setdefault(pid, []).append(at)
    return found


def dropped(participant_id: int, kind: OutboxKind, reason: str, now: datetime, key: str) -> Event:
    """The event of an unsolicited message a scan decided not to send at all."""
    return Event(
        participant_id=participant_id,
        kind=EventKind.MESSAGE_DROPPED,
        occurred_at=now,
        source="scheduler",
        detail={"message": str(kind), "reason": reason},
        dedupe_key=f"dropped:{key}"[:120],
    )


async def most_unsolicited_in_a_day(session: AsyncSession, zone: ZoneInfo) -> int:
    """The most unsolicited private messages any person got on one local day (target: 1)."""
    rows = await session.execute(
        select(M.participant_id, M.sent_at).where(M.status == OutboxStatus.SENT, *_unsolicited())
    )
    days = Counter(
        (pid, sent_at.astimezone(zone).date()) for pid, sent_at in rows if sent_at is not None
    )
    return max(days.values(), default=0)
