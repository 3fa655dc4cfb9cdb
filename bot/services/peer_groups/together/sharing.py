"""`progress_sharing`: a member who chose to is shown in their group when they log a step, under
the name they confirmed ("Sanne heeft deze week 3 keer gesolliciteerd 🎉").

Off by default and off again at any time (a post still waiting is withdrawn at once). Only the
member's own steps are shown, counted by the one ledger rule over the group's week; nobody who
did nothing is ever named or counted here. Savers are shown how often they saved, never how
much. At most one post per member, kind of step and day: a later step the same day updates the
waiting post's count instead of adding one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus
from bot.db.study import Participant
from bot.i18n import plural
from bot.outbox import OutboxKind
from bot.services.ledger import ledger_of
from bot.services.peer_groups.lookups import group_text, language_of
from bot.services.peer_groups.messaging import post
from bot.services.peer_groups.together import naming
from bot.services.peer_groups.together.places import Place, place_of, release_name
from bot.services.peer_groups.together.records import group_event, person_event
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Component
from experiments.records import Done, EventKind, GroupEventKind

# what a shared post says for each kind of step, and how it counts the week's steps
COUNTED: Final[dict[str, str]] = {
    EventKind.DEPOSIT: "together.shared.deposits",
    EventKind.APPLIED: "together.shared.applications",
    EventKind.INTERVIEW: "together.shared.interviews",
}
NAMED: Final[dict[str, str]] = {
    EventKind.JOB: "together.shared.job",
    EventKind.TRAINING: "together.shared.training",
}
INTENT = "shared"  # intent keys: shared:<participant>:<kind>:<local date>


async def switch_on(turn: Turn, place: Place) -> None:
    """ "Share my steps": on at once under the name they confirmed before, else a name first."""
    choices = place.choices
    if choices.sharing_since is not None and choices.shown_name is not None:
        await turn.say_text("together.sharing.already", name=choices.shown_name)
        return
    if choices.shown_name is None:
        await naming.ask_name(turn, place, "sharing")
        return
    await start(turn, place)


async def start(turn: Turn, place: Place) -> None:
    """Sharing is on, under the confirmed name."""
    choices = place.choices
    choices.sharing_since = turn.now
    await person_event(
        turn.session, place.participant.id, EventKind.SHARING_ON, turn.now, group_id=place.group.id
    )
    await turn.say_text("together.sharing.on", name=choices.shown_name or "")


async def switch_off(turn: Turn, place: Place) -> None:
    """Sharing off: nothing more is shown, and a post still waiting is withdrawn."""
    choices = place.choices
    if choices.sharing_since is None:
        await turn.say_text("together.sharing.off")
        return
    choices.sharing_since = None
    release_name(choices)
    await withdraw_waiting(turn.session, place.participant.id, "sharing_off")
    await person_event(
        turn.session, place.participant.id, EventKind.SHARING_OFF, turn.now, group_id=place.group.id
    )
    await turn.say_text("together.sharing.off")


async def withdraw_waiting(session: AsyncSession, participant_id: int, reason: str) -> None:
    """Cancel the member's shared posts that have not gone out yet."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.intent_key.like(f"{INTENT}:{participant_id}:%"),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED, last_error=reason)
    )


async def share_step(
    session: AsyncSession, participant: Participant, kind: str, trial: Trial, now: datetime
) -> bool:
    """A member logged a step (already recorded): show it in their group if they chose to share
    and the group has the component. True when a post was queued or updated."""
    if kind not in COUNTED and kind not in NAMED:
        return False
    place = await place_of(session, trial, participant)
    if place is None or not place.offers(Component.PROGRESS_SHARING):
        return False
    name = place.choices.shown_name
    if place.choices.sharing_since is None or name is None:
        return False
    week = trial.protocol.group_week(now)
    done = (await ledger_of(session, participant.id)).done(week)
    count = _count(done, kind)
    if kind in COUNTED and count <= 0:
        return False  # a step taken back the same week: nothing to show
    words = _words(place, kind, count, name)
    day = now.astimezone(trial.protocol.zone).date().isoformat()
    intent = f"{INTENT}:{participant.id}:{kind}:{day}"
    if await _update_waiting(session, intent, words):
        return True
    added = await post(
        session,
        place.group,
        words,
        kind=OutboxKind.PROGRESS_SHARED,
        intent=intent,
        now=now,
        not_before=trial.protocol.next_allowed_time(now),
    )
    if added:
        await person_event(
            session, participant.id, EventKind.PROGRESS_SHARED, now,
            group_id=place.group.id, dedupe=intent, step=kind,
        )  # fmt: skip
        await group_event(
            session, place.group.id, GroupEventKind.PROGRESS_SHARED, now,
            week_start=week.start, quantity=1, dedupe=intent,
        )  # fmt: skip
    return added


def _count(done: Done, kind: str) -> int:
    return done.deposits if kind == EventKind.DEPOSIT else done.count(kind)


def _words(place: Place, kind: str, count: int, name: str) -> str:
    if kind in COUNTED:
        return plural(language_of(place.group), COUNTED[kind], count, name=name)
    return group_text(place.group, NAMED[kind], name=name)


async def _update_waiting(session: AsyncSession, intent: str, words: str) -> bool:
    """A post for this member, kind and day still waiting: it now says the newer count."""
    waiting = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.intent_key == intent, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    if waiting is None:
        return False
    waiting.payload = {**waiting.payload, "text": words}
    return True
