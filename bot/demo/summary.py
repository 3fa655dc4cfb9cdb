"""What a demo run did, read back from its database: arms, deposits, corrections, groups, nudges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.calls import CallStatus, CallTask
from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.groups import GroupMember, MemberStatus
from bot.db.study import Event, Participant, ParticipantStatus
from bot.demo.checkins import GroupCheckins, checkin_counts
from bot.demo.options import DemoOptions
from bot.demo.placement import Placement, placement_counts
from bot.outbox.budget import most_unsolicited_in_a_day
from bot.services.ledger import ledgers
from bot.services.trial import Trial
from experiments.protocol import Component
from experiments.records import CORRECTION_KINDS, EventKind

MECHANISM_EVENTS = (
    EventKind.TOPIC_DELIVERED,
    EventKind.OUTREACH_SENT,
    EventKind.OUTREACH_ANSWERED,
)


@dataclass
class DemoResult:
    out: Path
    database_file: Path
    arms: dict[str, int] = field(default_factory=dict)
    deposits: dict[str, int] = field(default_factory=dict)
    nudges: dict[str, int] = field(default_factory=dict)
    unknown_calls: int = 0
    outbox_sent: int = 0
    delivered: int = 0
    export: Path | None = None
    report: Path | None = None
    estimates: list[Any] = field(default_factory=list)
    logged_by_menu: int = 0  # savings and job-search steps logged by tapping the menu
    logged_by_command: int = 0  # … and by typing /deposit, /applied or /interview
    micro_truth: dict[str, float] | None = None  # the simulated nudge effect (log RR)
    peer_staying: int = 0  # peer-arm participants who did not stop or erase
    peer_in_group: int = 0  # … of whom in their Telegram group at the end
    join_reminders: int = 0  # join reminders sent
    pool_updates: int = 0  # "still waiting" updates sent
    placement: Placement = field(default_factory=Placement)  # placed by the wait limit + a week
    checkins: list[GroupCheckins] = field(default_factory=list)  # per group, its check-in weeks
    group_bounds: str = ""  # the demo protocol's group sizes, when it changed them
    most_unsolicited: int = 0  # the most messages nobody asked for one person got in a day
    unsolicited_per_day: int = 1  # … and what the protocol allows
    corrections: int = 0  # entries taken back with ↩️ Herstel (deposits: net of them)
    calls: dict[str, int] = field(default_factory=dict)  # follow-up call tasks by status
    # per arm: private curriculum topics delivered, counsellor check-ins sent and answered
    mechanisms: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def duplicate_nudges(self) -> int:
        """Deliveries the sandbox saw beyond the outbox rows marked sent (0 means none twice)."""
        return max(0, self.delivered - self.outbox_sent)


async def nudge_counts(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.kind, func.count())
            .where(
                OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.participant_id.is_not(None)
            )
            .group_by(OutboxMessage.kind)
        )
        return {kind: int(count) for kind, count in rows}


async def call_counts(session: AsyncSession) -> dict[str, int]:
    """Follow-up calls: non-responders drawn, chosen, with answers entered; waves answered
    before the draw. Empty where the protocol follows nobody up."""
    count = select(func.count()).select_from(CallTask)
    counts = {
        "drawn": count.where(CallTask.drawn_at.is_not(None)),
        "chosen": count.where(CallTask.selected.is_(True)),
        "entered": count.where(CallTask.status == CallStatus.ENTERED),
        "responded": count.where(CallTask.status == CallStatus.RESPONDED),
    }
    found = {name: int(await session.scalar(query) or 0) for name, query in counts.items()}
    return found if any(found.values()) else {}


async def summarize_run(
    database: Database, options: DemoOptions, database_file: Path, trial: Trial, end: datetime
) -> DemoResult:

    peer_arms = trial.protocol.arms_with(Component.PEER_GROUP)

    result = DemoResult(out=options.out, database_file=database_file)
    async with database.transaction() as session:
        arms = await session.execute(
            select(Participant.arm, func.count())
            .where(Participant.arm.is_not(None))
            .group_by(Participant.arm)
        )
        result.arms = {str(arm): int(count) for arm, count in arms}
        arm_of = select(Participant.id, Participant.arm).where(Participant.arm.is_not(None))
        allocated = {person: str(arm) for person, arm in await session.execute(arm_of)}
        for person, ledger in (await ledgers(session, list(allocated))).items():
            arm = allocated[person]
            result.deposits[arm] = result.deposits.get(arm, 0) + ledger.deposits_made()
        result.corrections = int(
            await session.scalar(select(func.count()).where(Event.kind.in_(CORRECTION_KINDS))) or 0
        )
        peer = select(Participant.id).where(
            Participant.arm.in_(peer_arms),
            Participant.status.in_((ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)),
        )
        result.peer_staying = int(
            await session.scalar(select(func.count()).select_from(peer.subquery())) or 0
        )
        result.peer_in_group = int(
            await session.scalar(
                select(func.count()).where(
                    GroupMember.participant_id.in_(peer), GroupMember.status == MemberStatus.JOINED
                )
            )
            or 0
        )
        result.most_unsolicited = await most_unsolicited_in_a_day(session, trial.protocol.zone)
        result.unsolicited_per_day = trial.protocol.message_budget.per_day
        result.placement = await placement_counts(session, trial.protocol, end)
        result.checkins = await checkin_counts(session)
        result.calls = await call_counts(session)
        mechanisms = await session.execute(
            select(Participant.arm, Event.kind, func.count())
            .join(Participant, Participant.id == Event.participant_id)
            .where(Event.kind.in_(MECHANISM_EVENTS))
            .group_by(Participant.arm, Event.kind)
        )
        for arm_name, kind, count in mechanisms:
            result.mechanisms.setdefault(str(arm_name), {})[str(kind)] = int(count)
        result.outbox_sent = int(
            await session.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
            )
            or 0
        )
    result.nudges = await nudge_counts(database)
    result.join_reminders = result.nudges.get("join_reminder", 0)
    result.pool_updates = result.nudges.get("pool_update", 0)
    return result
