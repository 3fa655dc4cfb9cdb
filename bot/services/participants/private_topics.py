"""A mechanism component (issue 27): the curriculum without a group (an education arm), each
week's topic sent to one person.

Arms with `curriculum` but no `peer_group` get the peer arm's topics on the same schedule
(`schedule.curriculum_interval`, the first a day after allocation, as a group's is a day after it
is set up), in the wording for one person when the protocol gives one. Like the nudges, the
participant's row holds when the next topic is due and which week it is; a scan queues one
message each under a unique intent key and moves the time past `now`, so downtime gives one
topic, not a backlog, and nothing twice. A topic is an unsolicited message of the curriculum's
rank: the outbox's gate keeps it inside the day's budget and outside quiet hours. It stops at the
end of the person's intervention (`schedule.intervention_length`); what reached them is counted
(`topic_delivered`), never its words.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage
from bot.db.study import Event, Participant
from bot.db.upsert import insert_if_absent
from bot.i18n import Language, text
from bot.outbox import OutboxKind, OutgoingMessage, enqueue_many
from bot.outbox.outcomes import Delivered, Outcome
from bot.outbox.store import ClaimedMessage
from bot.services.intervention import in_intervention
from bot.services.participants.nudges import ScanResult, due_participants
from bot.services.periods import advance_due
from bot.services.trial import Trial
from experiments.protocol import Component, Protocol
from experiments.records import EventKind

KIND = OutboxKind.PRIVATE_TOPIC
FIRST_TOPIC_DELAY = timedelta(days=1)  # as a group's first topic: a day after the start


def private_arms(protocol: Protocol) -> tuple[str, ...]:
    """The arms that get the curriculum without a peer group: privately, one person at a time."""
    return tuple(
        arm.name
        for arm in protocol.arms
        if arm.has(Component.CURRICULUM) and not arm.has(Component.PEER_GROUP)
    )


def schedule_first(participant: Participant, trial: Trial, now: datetime) -> None:
    """At allocation: when the first private topic is due (nothing for other arms)."""
    if participant.arm in private_arms(trial.protocol):
        interval = trial.protocol.schedule.curriculum_interval
        participant.next_topic_at = now + min(FIRST_TOPIC_DELAY, interval)
        participant.topic_week = 1


async def scan_private_topics(
    session: AsyncSession, trial: Trial, now: datetime, *, limit: int | None = None
) -> ScanResult:
    """Queue each due topic once, in order, one per interval, while the intervention runs."""
    protocol = trial.protocol
    schedule = protocol.schedule
    arms = private_arms(protocol)
    due = await due_participants(
        session, (Participant.next_topic_at <= now) & in_intervention(trial, now), limit
    )
    result = ScanResult(due=len(due))
    messages = []
    for participant in due:
        assert participant.next_topic_at is not None
        firing = advance_due(
            participant.next_topic_at, now, schedule.curriculum_interval, schedule.stale_after
        )
        participant.next_topic_at = firing.following
        weeks = protocol.curriculum_for(participant.track or "", participant.age_band or "")
        if participant.arm not in arms or participant.topic_week > len(weeks):
            participant.next_topic_at = None  # the last topic went (or the arm has none)
            continue
        if participant.telegram_user_id is None:
            continue
        if firing.stale:
            result.stale += 1
            continue  # the topic waits for the next slot rather than arriving late
        week = weeks[participant.topic_week - 1]
        participant.topic_week += 1
        language = Language(participant.language)
        words = text(
            language, "curriculum.private", week=week.week, topic=week.private_topic(language)
        )
        messages.append(
            OutgoingMessage(
                chat_id=participant.telegram_user_id,
                text=words,
                kind=KIND,
                intent_key=f"{KIND}:{participant.id}:{week.week}",
                participant_id=participant.id,
                not_before=protocol.next_allowed_time(firing.latest),
            )
        )
    result.enqueued = await enqueue_many(session, messages, now)
    return result


async def topic_delivered(
    session: AsyncSession, message: ClaimedMessage, outcome: Outcome, now: datetime
) -> None:
    """A private topic reached its person: counted (its week), in the delivery's transaction."""
    if not isinstance(outcome, Delivered) or message.participant_id is None:
        return
    intent = await session.scalar(
        select(OutboxMessage.intent_key).where(OutboxMessage.id == message.id)
    )
    week = (intent or "").rsplit(":", 1)[-1]
    values = {
        "participant_id": message.participant_id,
        "kind": EventKind.TOPIC_DELIVERED,
        "amount_cents": None,
        "quantity": None,
        "detail": {"week": int(week) if week.isdigit() else 0},
        "occurred_at": now,
        "source": "scheduler",
        "dedupe_key": f"{KIND}:{message.id}",  # a delivery recorded twice counts once
        "corrects_event_id": None,
    }
    await insert_if_absent(session, Event, values, ["dedupe_key"])
