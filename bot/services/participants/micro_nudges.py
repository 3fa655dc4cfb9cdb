"""Micro-randomized nudges: at each decision point, decide, record the decision, maybe send.

For every participant of an arm named in the protocol's `[micro_randomization]`, each decision
point (the day's decision times, local to the study, for the protocol's number of days after
allocation) gets one row per component in `micro_decisions`: whether the person was available,
the probability, the draw (`experiments.micro.randomization.draw`, from the allocation seed under
a label of its own) and whether the nudge was sent. The row and the message's outbox row (intent
key `micro:<component>:<participant>:<decision time>`) are written in one transaction; both are
unique per decision point, so a scan repeated after a crash or a restart finds the decision made
and neither loses nor draws it again. A decision point that passed while the bot was down (more
than `LATE_AFTER` ago) is recorded as unavailable ("missed"), not sent late.

Unavailable, not deferred: paused, stopped (withdrawn or erased), unreachable, in quiet hours,
another nudge to the person within `min_gap` before the decision point, the day's budget of
unsolicited messages already spent (the rule the outbox applies to every such message, SPEC
§11.1), missed, and for a reminder a period whose goal is already met. A message sent here
carries that it was decided, so the outbox does not defer it for the budget afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.micro import MicroDecision
from bot.db.study import IntakeStep, Participant, ParticipantStatus
from bot.db.upsert import insert_if_absent
from bot.i18n import Language
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.budget import DECIDED, budget_reason, unsolicited_times
from bot.services.intervention import has_ended
from bot.services.ledger import IDS_PER_QUERY, Ledger, ledgers
from bot.services.participants import micro_chain
from bot.services.participants.nudges import (
    NUDGE_KINDS,
    ScanResult,
    _encouragement_text,
    _reminder_text,
)
from bot.services.trial import Trial
from experiments.micro import (
    ChainLink,
    LoggedDecision,
    decision_points,
    draw,
    draw_key,
    link_decision,
    week_of,
)
from experiments.protocol import MicroComponent, MicroRandomization, is_quiet

__all__ = ["LATE_AFTER", "MicroScan", "decision_log", "intent_key", "scan_micro_decisions"]

LATE_AFTER = timedelta(hours=2)  # a decision point scanned later than this was missed


def intent_key(component: str, participant_id: int, decision_at: datetime) -> str:
    """The outbox intent key of a decision's nudge: one per decision point."""
    return f"micro:{component}:{participant_id}:{decision_at.isoformat()}"


@dataclass
class MicroScan(ScanResult):
    decided: int = 0
    last_id: int = 0


async def scan_micro_decisions(
    session: AsyncSession,
    trial: Trial,
    now: datetime,
    *,
    after_id: int = 0,
    limit: int | None = None,
) -> MicroScan:
    """Decide every decision point up to `now` of participants with id > `after_id` (at most
    `limit` of them, by id); `last_id` says where the next chunk starts."""
    micro = trial.protocol.micro_randomization
    result = MicroScan()
    if micro is None:
        return result
    horizon = now - timedelta(days=micro.days + 1)
    erased_for_good = (
        Participant.status == ParticipantStatus.ERASED
        if not trial.protocol.study.keep_research_data_after_erasure
        else None
    )
    people = (
        await session.scalars(
            select(Participant)
            .where(
                Participant.id > after_id,
                # nothing new is recorded of someone whose research data /delete removed
                *([] if erased_for_good is None else [~erased_for_good]),
                Participant.step == IntakeStep.DONE,
                Participant.arm.in_(micro.arms),
                Participant.allocated_at.is_not(None),
                Participant.allocated_at >= horizon,
            )
            .order_by(Participant.id)
            .limit(limit)
        )
    ).all()
    result.due = len(people)
    if not people:
        return result
    result.last_id = people[-1].id
    last_decided = await _last_decisions(session, [person.id for person in people])
    due: list[tuple[Participant, list[datetime]]] = []
    for person in people:
        assert person.allocated_at is not None
        start = last_decided.get(person.id, person.allocated_at)
        zone = trial.protocol.zone
        points = list(decision_points(micro, zone, person.allocated_at, start, now))
        if points:
            due.append((person, points))
    if not due:
        return result
    # Only the people with a decision to make: most scans find none and read nothing more.
    ids = [person.id for person, _ in due]
    earliest = min(points[0] for _, points in due)
    recent = await _recent_nudges(session, ids, earliest - micro.min_gap)
    spent = await unsolicited_times(session, ids, earliest - timedelta(days=1))
    seen = _Seen(recent, spent)
    needs_history = any(item.component != "prompt" for item in micro.components)
    logged = await ledgers(session, ids) if needs_history else {}
    key = draw_key(trial.allocation_seed)
    chain_key = micro_chain.key_of(trial.allocation_seed)
    await micro_chain.lock(session)
    head = await micro_chain.chain_head(session)
    messages: list[OutgoingMessage] = []
    for person, points in due:
        for point in points:
            for item in micro.components:
                decision = _decide(micro, item, person, point, now, seen, logged, trial, key)
                link = _chained(decision, chain_key, head)
                inserted = await insert_if_absent(
                    session,
                    MicroDecision,
                    decision.row,
                    ["participant_id", "component", "decision_at"],
                )
                if not inserted:
                    continue
                head = link
                result.decided += 1
                if decision.message is not None:
                    messages.append(decision.message)
                    recent.setdefault(person.id, []).append(point)
                    spent.setdefault(person.id, []).append(point)
    result.enqueued = await enqueue_many(session, messages, now)
    return result


def _chained(decision: _Decision, key: bytes, head: ChainLink | None) -> ChainLink:
    """Give the decision's row its place in the keyed chain, after `head`."""
    link = link_decision(key, decision.logged, head)
    decision.row.update(sequence=link.sequence, prev_hash=link.prev_hash, hash=link.hash)
    return link


# The columns of a decision's row that LoggedDecision holds (the rest is the chain's).
_LOGGED_COLUMNS = (
    "participant_id",
    "component",
    "decision_at",
    "week",
    "available",
    "unavailable_reason",
    "probability",
    "draw",
    "sent",
)


@dataclass(frozen=True)
class _Seen:
    """When each person's nudges were due (`recent`), and their unsolicited messages of any
    kind went or are to go (`spent`, for the daily budget)."""

    recent: dict[int, list[datetime]]
    spent: dict[int, list[datetime]]


@dataclass(frozen=True)
class _Decision:
    logged: LoggedDecision
    row: dict[str, object]
    message: OutgoingMessage | None


def _decide(
    micro: MicroRandomization,
    item: MicroComponent,
    person: Participant,
    point: datetime,
    now: datetime,
    seen: _Seen,
    logged: dict[int, Ledger],
    trial: Trial,
    key: bytes,
) -> _Decision:
    assert person.allocated_at is not None
    week = week_of(point, person.allocated_at)
    probability = item.probability_in_week(week)
    value = draw(key, person.id, item.component, point)
    text: str | None = None
    reason = _unavailable(micro, person, point, now, seen, trial)
    if reason is None:
        text = _text(item.component, micro, person, logged.get(person.id, Ledger()), point, trial)
        if text is None:
            reason = "goal_met"
    sent = reason is None and value < probability
    key_text = intent_key(item.component, person.id, point) if sent else None
    made = LoggedDecision(
        participant_id=person.id,
        component=item.component,
        decision_at=point,
        week=week,
        available=reason is None,
        probability=probability,
        draw=value,
        sent=sent,
        unavailable_reason=reason,
    )
    row: dict[str, object] = {name: getattr(made, name) for name in _LOGGED_COLUMNS}
    row.update(intent_key=key_text, recorded_at=now)
    message = None
    if sent and text is not None and key_text is not None and person.telegram_user_id:
        message = OutgoingMessage(
            chat_id=person.telegram_user_id,
            text=text,
            kind=OutboxKind(item.component),
            intent_key=key_text,
            participant_id=person.id,
            not_before=point,
            context={DECIDED: True},
        )
    return _Decision(made, row, message)


def _unavailable(
    micro: MicroRandomization,
    person: Participant,
    point: datetime,
    now: datetime,
    seen: _Seen,
    trial: Trial,
) -> str | None:
    """Why the person cannot be nudged at this decision point, or None when available."""
    if person.status == ParticipantStatus.PAUSED:
        return "paused"
    if person.status in (ParticipantStatus.WITHDRAWN, ParticipantStatus.ERASED):
        return "stopped"
    if person.telegram_user_id is None or person.unreachable_since is not None:
        return "unreachable"
    if has_ended(person, trial, point):
        return "ended"
    if is_quiet(point, trial.protocol.quiet_hours, trial.protocol.zone):
        return "quiet_hours"
    if now - point > LATE_AFTER:
        return "missed"
    if any(point - micro.min_gap < sent <= point for sent in seen.recent.get(person.id, ())):
        return "recent_nudge"
    budget = trial.protocol.message_budget
    spent = budget_reason(budget, trial.protocol.zone, seen.spent.get(person.id, ()), point)
    if spent is not None:
        return "budget_spent" if spent[0] == "budget_spent" else "recent_nudge"
    return None


def _text(
    component: str,
    micro: MicroRandomization,
    person: Participant,
    logged: Ledger,
    point: datetime,
    trial: Trial,
) -> str | None:
    if component == "prompt":
        return micro.prompt_text(Language(person.language))
    if component == "encouragement":
        return _encouragement_text(person, logged, trial)
    period = trial.protocol.schedule.commitment_period
    start = person.period_start or person.allocated_at or point
    while start + period <= point:
        start += period
    return _reminder_text(person, logged, start, point, trial)


async def _last_decisions(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = await session.execute(
            select(MicroDecision.participant_id, func.max(MicroDecision.decision_at))
            .where(MicroDecision.participant_id.in_(ids[start : start + IDS_PER_QUERY]))
            .group_by(MicroDecision.participant_id)
        )
        found.update({pid: at for pid, at in rows if at is not None})
    return found


async def _recent_nudges(
    session: AsyncSession, ids: list[int], since: datetime
) -> dict[int, list[datetime]]:
    """When each person's nudges (of any kind) were due, from `since` on."""
    found: dict[int, list[datetime]] = {}
    for start in range(0, len(ids), IDS_PER_QUERY):
        rows = await session.execute(
            select(OutboxMessage.participant_id, OutboxMessage.not_before).where(
                OutboxMessage.participant_id.in_(ids[start : start + IDS_PER_QUERY]),
                OutboxMessage.kind.in_(NUDGE_KINDS),
                OutboxMessage.status != OutboxStatus.CANCELLED,
                OutboxMessage.not_before >= since,
            )
        )
        for pid, at in rows:
            if pid is not None:
                found.setdefault(pid, []).append(at)
    return found


async def decision_log(session: AsyncSession) -> list[LoggedDecision]:
    """Every micro-randomized decision, in the order made, for `lotgenoot study verify`."""
    rows = await session.execute(
        select(
            MicroDecision.participant_id,
            MicroDecision.component,
            MicroDecision.decision_at,
            MicroDecision.week,
            MicroDecision.available,
            MicroDecision.probability,
            MicroDecision.draw,
            MicroDecision.sent,
            MicroDecision.unavailable_reason,
            MicroDecision.sequence,
            MicroDecision.prev_hash,
            MicroDecision.hash,
            MicroDecision.id,
        ).order_by(MicroDecision.id)
    )
    return [LoggedDecision(*row) for row in rows]
