"""Offers are records: what a logging button would record is stored when the button is made.

A tap names its offer; the service records that row's value, for that person, once per question
(`take`). Button data is only a pointer: a forged, altered, made-up or someone else's offer finds
no matching row and records nothing.

Loose ends close: a new question supersedes the person's earlier unanswered ones (only the latest
is honoured), and a question expires after the protocol's `limits.question_lifetime` or when the
person's commitment period it was asked in has ended, so an old tap never counts for this week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import table_of
from bot.db.offers import Offer
from bot.db.study import Participant
from bot.services.periods import current_window
from bot.services.trial import Trial
from bot.services.turns import Turn

_OFFERS = table_of(Offer)
_MAKE = insert(_OFFERS).returning(_OFFERS.c.id)


@dataclass(frozen=True)
class Offered:
    """What one button records: `kind` with an amount (cents), a count, or a detail; for a
    correction, also the entry it corrects."""

    kind: str
    amount_cents: int | None = None
    quantity: int | None = None
    detail: str | None = None
    corrects: int | None = None


async def make(turn: Turn, participant: Participant, values: Sequence[Offered]) -> list[int]:
    """Store one offer per value for this update's question; their ids, in the same order.
    The person's unanswered offers of earlier questions are superseded."""
    await turn.session.execute(
        update(_OFFERS)
        .where(
            _OFFERS.c.participant_id == participant.id,
            _OFFERS.c.question != turn.incoming.update_id,
            _OFFERS.c.answered_at.is_(None),
            _OFFERS.c.superseded_at.is_(None),
        )
        .values(superseded_at=turn.now)
    )
    ids: list[int] = []
    for value in values:  # one by one: a multi-row RETURNING promises no order on every engine
        row = {
            "participant_id": participant.id,
            "question": turn.incoming.update_id,
            "kind": value.kind,
            "amount_cents": value.amount_cents,
            "quantity": value.quantity,
            "detail": value.detail,
            "corrects_event_id": value.corrects,
            "offered_at": turn.now,
        }
        ids.append((await turn.session.execute(_MAKE, row)).scalar_one())
    return ids


async def take(
    turn: Turn, participant: Participant, offer_id: int, pressed: Offered, trial: Trial
) -> int | None:
    """Claim offer `offer_id` for this tap; the question it belongs to, or None (the person told
    why) when it is not this person's offer of exactly `pressed`, its question was answered,
    superseded by a newer one, or has expired."""
    offer = await turn.session.get(Offer, offer_id)
    if offer is None or offer.participant_id != participant.id or _value(offer) != pressed:
        await turn.say_text("button.unknown")
        return None
    if offer.answered_at is None and offer.superseded_at is not None:
        await turn.say_text("button.replaced")
        return None
    if offer.answered_at is None and expired(offer, participant, trial, turn.now):
        await turn.say_text("button.expired")
        return None
    return offer.question if await _claim(turn, participant, offer) else None


async def decline(turn: Turn, participant: Participant, offer_id: int) -> bool:
    """Answer offer `offer_id`'s question with "no", so none of its buttons records any more;
    False (the person told why) when it is not this person's offer or was answered already."""
    offer = await turn.session.get(Offer, offer_id)
    if offer is None or offer.participant_id != participant.id:
        await turn.say_text("button.unknown")
        return False
    return await _claim(turn, participant, offer)


async def _claim(turn: Turn, participant: Participant, offer: Offer) -> bool:
    claimed = await turn.session.execute(
        update(_OFFERS)
        .where(
            _OFFERS.c.participant_id == participant.id,
            _OFFERS.c.question == offer.question,
            _OFFERS.c.answered_at.is_(None),
        )
        .values(answered_at=turn.now)
    )
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        await turn.say_text("button.answered")
        return False
    return True


def expired(offer: Offer, participant: Participant, trial: Trial, now: datetime) -> bool:
    """Whether an unanswered question is too old to answer: older than the protocol allows, or
    asked in an earlier commitment period than the one a tap now would count in. A correction's
    question is about an entry already made: `corrections.window` bounds it instead."""
    if offer.corrects_event_id is not None:
        return False
    if now - offer.offered_at > trial.protocol.limits.question_lifetime:
        return True
    if participant.period_start is None:
        return False
    started, _ = current_window(participant, now, trial.protocol.schedule.commitment_period)
    return offer.offered_at < started


def _value(offer: Offer) -> Offered:
    return Offered(
        offer.kind, offer.amount_cents, offer.quantity, offer.detail, offer.corrects_event_id
    )


async def forget(session: AsyncSession, participant_id: int) -> None:
    """Drop a person's offers (on erasure: they hold amounts and times)."""
    await session.execute(delete(_OFFERS).where(_OFFERS.c.participant_id == participant_id))
