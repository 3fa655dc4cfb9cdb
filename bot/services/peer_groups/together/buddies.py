"""`buddy`: members who opt in are paired within their group, and either can end it.

Both must opt in, each under a name they confirmed; nothing else of theirs (no phone number, no
username) is ever passed on. Pairing keeps one rule: everyone who wants a buddy has one, in
pairs, and an odd one out joins a pair as a third, so a group has at most one trio. A newcomer
when there is a trio takes its newest member as their buddy (two pairs instead). Only someone
who is the only one wanting a buddy waits, and is told so.

When someone ends it (or leaves the group), the others in their pair are told kindly and, if
that leaves one alone, paired again when anyone is free.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember
from bot.db.study import Participant
from bot.db.together import BuddyPair, MemberChoices
from bot.i18n import Language, text
from bot.outbox import OutboxKind
from bot.services.peer_groups.together import naming, private
from bot.services.peer_groups.together.places import Place, in_group_taking_part, release_name
from bot.services.peer_groups.together.private import Note
from bot.services.peer_groups.together.records import person_event
from bot.services.turns import Turn
from experiments.records import EventKind


@dataclass
class Seat:
    """A member who wants a buddy: their choices and who they are."""

    choices: MemberChoices
    participant: Participant

    @property
    def name(self) -> str:
        return self.choices.shown_name or ""


async def switch_on(turn: Turn, place: Place) -> None:
    """ "I'd like a buddy": on at once under the name they confirmed before, else a name first."""
    choices = place.choices
    if choices.buddy_since is not None:
        await turn.say_text("together.buddy.already")
        return
    if choices.shown_name is None:
        await naming.ask_name(turn, place, "buddy")
        return
    await start(turn, place)


async def start(turn: Turn, place: Place) -> None:
    """They want a buddy (name confirmed): paired now if anyone is free, else they wait."""
    session, now = turn.session, turn.now
    place.choices.buddy_since = now
    await person_event(
        session, place.participant.id, EventKind.BUDDY_ON, now, group_id=place.group.id
    )
    own = await pair_up(session, place.group.id, now, replying=place.participant.id)
    if own is None:
        await turn.say_text("together.buddy.waiting")
    else:
        await turn.say(own.words())


async def switch_off(turn: Turn, place: Place) -> None:
    """ "Stop with my buddy": out of their pair; the others are told kindly, and re-paired."""
    choices = place.choices
    if choices.buddy_since is None:
        await turn.say_text("together.buddy.off")
        return
    await stop(turn.session, choices, turn.now, how="self", named=True)
    release_name(choices)
    await turn.say_text("together.buddy.off")


async def stop(
    session: AsyncSession, choices: MemberChoices, now: datetime, *, how: str, named: bool
) -> None:
    """`choices`'s member no longer wants (or can have) a buddy: out of their pair, the others
    told (by the member's name when `named`, else without it), everyone free re-paired."""
    choices.buddy_since = None
    await person_event(
        session, choices.participant_id, EventKind.BUDDY_OFF, now,
        group_id=choices.group_id, how=how,
    )  # fmt: skip
    await leave_pair(session, choices, now, named=named)
    await pair_up(session, choices.group_id, now)


async def leave_pair(
    session: AsyncSession, choices: MemberChoices, now: datetime, *, named: bool
) -> None:
    """Out of their pair: a trio goes on as a pair, a pair ends; the others are told."""
    pair_id = choices.buddy_pair_id
    if pair_id is None:
        return
    name = choices.shown_name if named else None
    choices.buddy_pair_id = None
    await _unpaired(session, choices, pair_id, now, "stopped")
    rest = await seats_of(session, pair_id)
    if len(rest) == 1:
        pair = await session.get(BuddyPair, pair_id)
        if pair is not None:
            pair.ended_at = now
        rest[0].choices.buddy_pair_id = None
        await _unpaired(session, rest[0].choices, pair_id, now, "buddy_left")
    for seat in rest:
        others = [other.name for other in rest if other is not seat]
        key = "together.buddy.gone" if name is None else "together.buddy.left"
        params: dict[str, object] = {"name": name or ""}
        if others:
            key += "_stay"
            params["names"] = _listed(seat.participant, others)
        await _tell(session, Note(seat.participant, key, params), f"{pair_id}:left", now)


async def pair_up(
    session: AsyncSession, group_id: int, now: datetime, *, replying: int | None = None
) -> Note | None:
    """Pair everyone in the group who wants a buddy and has none (see the module's rule); each
    member whose pair changed is told. The note for `replying` is returned for the caller to
    say as its answer instead of being queued."""
    seats = await _wanting(session, group_id)
    pairs: dict[int, list[Seat]] = defaultdict(list)
    for seat in seats:
        if seat.choices.buddy_pair_id is not None:
            pairs[seat.choices.buddy_pair_id].append(seat)
    singles = [seat for seat in seats if seat.choices.buddy_pair_id is None]
    changed: set[int] = set()
    regrouped: dict[int, Seat] = {}
    trio = next((pid for pid, members in pairs.items() if len(members) >= 3), None)
    if singles and trio is not None:
        newest = max(pairs[trio], key=lambda s: (s.choices.buddy_since or now, s.participant.id))
        pairs[trio].remove(newest)
        newest.choices.buddy_pair_id = None
        await _unpaired(session, newest.choices, trio, now, "regrouped")
        regrouped[trio] = newest
        singles.insert(0, newest)
    while len(singles) >= 2:
        pair = BuddyPair(group_id=group_id, formed_at=now)
        session.add(pair)
        await session.flush()
        pairs[pair.id] = [singles.pop(0), singles.pop(0)]
        changed.add(pair.id)
    if singles:
        two = next((pid for pid, members in pairs.items() if len(members) == 2), None)
        if two is not None:
            pairs[two].append(singles.pop())
            changed.add(two)
    own: Note | None = None
    for pair_id in sorted(changed):
        for seat in pairs[pair_id]:
            seat.choices.buddy_pair_id = pair_id
            await person_event(
                session, seat.participant.id, EventKind.BUDDY_PAIRED, now,
                group_id=group_id, pair=pair_id, size=len(pairs[pair_id]),
            )  # fmt: skip
            note = _paired_note(seat, pairs[pair_id])
            if seat.participant.id == replying:
                own = note
            else:
                await _tell(session, note, f"{pair_id}:paired", now)
    for pair_id, gone in regrouped.items():
        for seat in pairs[pair_id]:
            others = [other.name for other in pairs[pair_id] if other is not seat]
            params = {"name": gone.name, "names": _listed(seat.participant, others)}
            note = Note(seat.participant, "together.buddy.regrouped", params)
            await _tell(session, note, f"{pair_id}:regrouped", now)
    return own


async def seats_of(session: AsyncSession, pair_id: int) -> list[Seat]:
    """Who is in a pair now."""
    rows = await session.execute(
        select(MemberChoices, Participant)
        .join(Participant, Participant.id == MemberChoices.participant_id)
        .where(MemberChoices.buddy_pair_id == pair_id)
        .order_by(MemberChoices.participant_id)
    )
    return [Seat(choices, participant) for choices, participant in rows]


async def _wanting(session: AsyncSession, group_id: int) -> list[Seat]:
    """Members of the group who want a buddy and are in its chat, first to opt in first."""
    rows = await session.execute(
        select(MemberChoices, Participant)
        .join(Participant, Participant.id == MemberChoices.participant_id)
        .join(GroupMember, GroupMember.participant_id == MemberChoices.participant_id)
        .where(
            MemberChoices.group_id == group_id,
            MemberChoices.buddy_since.is_not(None),
            MemberChoices.shown_name.is_not(None),
            *in_group_taking_part(),
        )
        .order_by(MemberChoices.buddy_since, MemberChoices.participant_id)
    )
    return [Seat(choices, participant) for choices, participant in rows]


def _paired_note(seat: Seat, members: list[Seat]) -> Note:
    others = [other.name for other in members if other is not seat]
    names = _listed(seat.participant, others)
    return Note(seat.participant, "together.buddy.paired", {"names": names}, count=len(others))


def _listed(person: Participant, names: list[str]) -> str:
    """ "Sanne" or "Sanne en Kees", in the person's language."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + text(Language(person.language), "join.and") + names[-1]


async def _unpaired(
    session: AsyncSession, choices: MemberChoices, pair_id: int, now: datetime, why: str
) -> None:
    await person_event(
        session, choices.participant_id, EventKind.BUDDY_UNPAIRED, now,
        group_id=choices.group_id, pair=pair_id, why=why,
    )  # fmt: skip


async def _tell(session: AsyncSession, note: Note, about: str, now: datetime) -> None:
    intent = f"buddy_news:{note.participant.id}:{about}:{now.isoformat()}"
    await private.send(session, note, kind=OutboxKind.BUDDY_NEWS, intent=intent, now=now)
