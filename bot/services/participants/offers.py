"""Offers are records: what a logging button would record is stored when the button is made.

A tap names its offer; the service records that row's value, for that person, once per question
(`take`). Button data is only a pointer: a forged, altered, made-up or someone else's offer finds
no matching row and records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import table_of
from bot.db.offers import Offer
from bot.db.study import Participant
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
    """Store one offer per value for this update's question; their ids, in the same order."""
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


async def take(turn: Turn, participant: Participant, offer_id: int, pressed: Offered) -> int | None:
    """Claim offer `offer_id` for this tap; the question it belongs to, or None (the person told
    why) when it is not this person's offer of exactly `pressed`, or its question was answered."""
    offer = await turn.session.get(Offer, offer_id)
    if offer is None or offer.participant_id != participant.id or _value(offer) != pressed:
        await turn.say_text("button.unknown")
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


def _value(offer: Offer) -> Offered:
    return Offered(
        offer.kind, offer.amount_cents, offer.quantity, offer.detail, offer.corrects_event_id
    )


async def forget(session: AsyncSession, participant_id: int) -> None:
    """Drop a person's offers (on erasure: they hold amounts and times)."""
    await session.execute(delete(_OFFERS).where(_OFFERS.c.participant_id == participant_id))
