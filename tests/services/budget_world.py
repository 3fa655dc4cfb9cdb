"""A small world for the daily budget of unsolicited messages: text-arm people as rows, the
outbox sender with the budget gate and a phone that takes every message, and readers of what
arrived and why something did not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.delivery import ChatType, OutboxMessage, OutboxStatus
from bot.db.engine import Database
from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus, Site
from bot.outbox import OutboxKind, OutgoingMessage, Priority, enqueue
from bot.outbox.budget import BudgetGate
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.sender import OutboxSender, SenderSettings
from bot.paths import shipped_config
from bot.services.participants import surveys
from bot.services.periods import first_period_start
from bot.services.trial import Trial
from experiments.protocol import load_protocol
from experiments.records import MESSAGE_BUDGET_KINDS, EventKind

TRIAL = Trial(
    load_protocol(shipped_config("study.toml")),
    allocation_seed="budget-allocation-seed",
    pseudonym_key="budget-pseudonym-key",
)
PROTOCOL = TRIAL.protocol
ZONE = PROTOCOL.zone
FAST = SenderSettings(global_per_second=1000, private_interval_s=0, batch_size=20)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


class Phone:
    """Takes every message (a fake Telegram that always answers ok)."""

    def __init__(self) -> None:
        self.count = 0

    async def deliver(self, method: str, chat_id: int, payload: dict[str, Any]) -> Outcome:
        self.count += 1
        return Delivered(message_id=self.count)


def gated_sender(database: Database, clock: FakeClock) -> OutboxSender:
    """The sender as the bot runs it: every claim passes the budget gate."""
    return OutboxSender(database, Phone(), clock, settings=FAST, gate=BudgetGate(PROTOCOL))


async def text_arm(
    database: Database, allocated: datetime, tracks: list[str], *, language: str = "nl"
) -> list[int]:
    """Text-arm participants allocated at `allocated`, one per track given; their ids."""
    ids = []
    async with database.transaction() as session:
        site = Site(name="Utrecht", created_at=allocated)
        session.add(site)
        await session.flush()
        for n, track in enumerate(tracks):
            person = Participant(
                telegram_user_id=8000 + n,
                site_id=site.id,
                language=language,
                consent_version="1",
                consented_at=allocated,
                allocated_at=allocated,
                step=IntakeStep.DONE,
                status=ParticipantStatus.ACTIVE,
                arm="text",
                track=track,
                age_band="26-35",
                commitment_cents=1000 if track == "savings" else None,
                commitment_applications=2 if track == "jobsearch" else None,
                period_start=first_period_start(
                    allocated, PROTOCOL.schedule.commitment_period, ZONE
                ),
                next_encouragement_at=allocated + PROTOCOL.schedule.encouragement_interval,
            )
            surveys.schedule_first(person, TRIAL)
            session.add(person)
            await session.flush()
            ids.append(person.id)
    return ids


async def log(database: Database, participant_id: int, track: str, at: datetime) -> None:
    """The person logs what their goal asks for (a deposit of €10 or two applications)."""
    kind = EventKind.DEPOSIT if track == "savings" else EventKind.APPLIED
    async with database.transaction() as session:
        session.add(
            Event(
                participant_id=participant_id,
                kind=kind,
                amount_cents=1000 if track == "savings" else None,
                quantity=None if track == "savings" else 2,
                occurred_at=at,
                source="telegram",
                dedupe_key=f"log:{participant_id}:{at.isoformat()}",
            )
        )


def message(
    participant_id: int,
    kind: OutboxKind,
    not_before: datetime,
    *,
    text: str | None = None,
    priority: Priority | None = None,
) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=8000 + participant_id - 1,
        text=text or f"{kind} for {participant_id}",
        kind=kind,
        intent_key=f"{kind}:{participant_id}:{not_before.isoformat()}",
        participant_id=participant_id,
        not_before=not_before,
        priority=priority,
    )


def group_post(kind: OutboxKind, not_before: datetime) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=-100123,
        chat_type=ChatType.GROUP,
        text=f"{kind} in the group",
        kind=kind,
        intent_key=f"{kind}:group:{not_before.isoformat()}",
        not_before=not_before,
    )


async def queue(database: Database, clock: FakeClock, *messages: OutgoingMessage) -> None:
    async with database.transaction() as session:
        for outgoing in messages:
            await enqueue(session, outgoing, clock.now())


@dataclass(frozen=True)
class Arrived:
    participant_id: int | None
    kind: str
    text: str
    at: datetime


async def arrived(database: Database) -> list[Arrived]:
    """Every message delivered, in the order it was sent."""
    async with database.snapshot() as session:
        rows = await session.execute(
            select(
                OutboxMessage.participant_id,
                OutboxMessage.kind,
                OutboxMessage.payload,
                OutboxMessage.sent_at,
            )
            .where(OutboxMessage.status == OutboxStatus.SENT)
            .order_by(OutboxMessage.sent_at, OutboxMessage.id)
        )
        return [Arrived(pid, kind, payload.get("text", ""), at) for pid, kind, payload, at in rows]


@dataclass(frozen=True)
class Held:
    participant_id: int
    kind: EventKind
    message: str
    reason: str
    until: datetime | None


async def held(database: Database) -> list[Held]:
    """Every deferral and drop, as its event says."""
    async with database.snapshot() as session:
        rows = await session.scalars(
            select(Event).where(Event.kind.in_(MESSAGE_BUDGET_KINDS)).order_by(Event.id)
        )
        return [
            Held(
                e.participant_id,
                e.kind,
                e.detail["message"],
                e.detail["reason"],
                datetime.fromisoformat(e.detail["until"]) if "until" in e.detail else None,
            )
            for e in rows
        ]


def days_apart(earlier: datetime, later: datetime) -> int:
    return (local(later).date() - local(earlier).date()).days


DAY = timedelta(days=1)
