"""The pool: peer-arm participants wait per (arm, track, age band) until a group can form.

A scan forms groups from the waiting lists: first it fills groups that are formed but not yet
bound (up to the maximum), then it forms groups of valid size, and a pool whose oldest member
has waited past the limit is merged with a neighbouring band or formed smaller. Every decision
goes into `formation_decisions` with its reason. Pooling by arm as well as by track and band
keeps arms that differ in components (say `peer` and `peer+text`) out of each other's groups.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import (
    FormationDecision,
    GroupMember,
    GroupStatus,
    MemberStatus,
    PeerGroup,
    PoolEntry,
)
from bot.db.study import Participant, ParticipantStatus
from bot.db.upsert import insert_if_absent
from bot.i18n import Language, plural, text
from bot.outbox import OutboxKind, OutgoingCall, OutgoingMessage, enqueue
from bot.outbox.messages import Priority
from bot.services.peer_groups.binding import LINK_KIND
from bot.services.trial import Trial
from experiments.protocol_sections import Component

CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
MIN_VIABLE = 3  # fewer people than this are not a group, however long they waited
Pool = tuple[str, str, str]  # arm, track, age band


@dataclass
class Waiting:
    entry: PoolEntry
    language: str
    telegram_user_id: int | None = None
    paused: bool = False


@dataclass
class FormationResult:
    formed: list[PeerGroup] = field(default_factory=list)
    filled: int = 0


def split_sizes(waiting: int, smallest: int, largest: int) -> list[int]:
    """Group sizes for `waiting` people: as even as possible, each within the bounds.

    Fewer groups of even size beat one full group and a leftover, so 25 with bounds 10-15 are
    13 + 12, not 15 + 10. Whoever cannot be placed (fewer than `smallest`) keeps waiting.
    """
    if waiting < smallest:
        return []
    count = -(-waiting // largest)
    if waiting // count >= smallest:
        return [waiting // count + (1 if i < waiting % count else 0) for i in range(count)]
    return [largest] * (count - 1)


async def enter_pool(
    session: AsyncSession,
    participant: Participant,
    trial: Trial,
    now: datetime,
    *,
    tell: bool = True,
) -> bool:
    """Put a newly allocated participant in their pool if their arm has peer groups; with
    `tell`, say so in a message of its own (the intake says it in its last answer instead)."""
    arm = trial.protocol.arm(participant.arm or "")
    if not arm.has(Component.PEER_GROUP) or not participant.track or not participant.age_band:
        return False
    values = {
        "participant_id": participant.id,
        "arm": arm.name,
        "track": participant.track,
        "age_band": participant.age_band,
        "entered_at": now,
    }
    added = await insert_if_absent(session, PoolEntry, values, ["participant_id"])
    if added and tell:
        waiting = Waiting(
            PoolEntry(participant_id=participant.id, entered_at=now),
            participant.language,
            participant.telegram_user_id,
        )
        await tell_waiting(session, waiting, "pool.entered", f"pool_entered:{participant.id}", now)
    return added


async def tell_waiting(
    session: AsyncSession,
    waiting: Waiting,
    key: str,
    intent: str,
    now: datetime,
    priority: Priority | None = None,
    **params: object,
) -> bool:
    """A private word to someone in a pool, in their language (once per intent)."""
    if waiting.telegram_user_id is None:
        return False
    message = OutgoingMessage(
        chat_id=waiting.telegram_user_id,
        text=text(Language(waiting.language), key, **params),
        kind=OutboxKind.POOL_UPDATE,
        intent_key=intent,
        participant_id=waiting.entry.participant_id,
        priority=priority,
    )
    return await enqueue(session, message, now)


async def scan_pool_updates(session: AsyncSession, trial: Trial, now: datetime) -> int:
    """Everyone still waiting hears how it stands once per `pool_update_interval`.

    The intent names the number of whole intervals waited, so a scan every minute sends each
    update once, and after downtime only the latest one goes out.
    """
    interval = trial.protocol.schedule.pool_update_interval
    pools = await _waiting(session)
    sent = 0
    for pool, waiting in pools.items():
        for person in waiting:
            intervals = int((now - person.entry.entered_at) / interval)
            if intervals < 1 or person.paused:
                continue
            language = Language(person.language)
            intent = f"pool_wait:{person.entry.participant_id}:{intervals}"
            sent += await tell_waiting(
                session,
                person,
                "pool.still_waiting",
                intent,
                now,
                others=len(waiting) - 1,
                needed=plural(language, "pool.people_needed", trial.protocol.groups.min_size),
                track=text(language, f"track.{pool[1]}"),
            )
    return sent


@dataclass(frozen=True)
class OverduePool:
    """A pool whose oldest member has waited longer than the protocol's limit."""

    arm: str
    track: str
    age_band: str
    waiting: int
    days: int
    since: str  # when the oldest waiter entered (ISO): one alert per spell
    language: str  # the oldest waiter's, for staff messages about the pool
    participant_ids: tuple[int, ...] = ()  # who waits, oldest first (staff see "P12")


async def overdue_pools(session: AsyncSession, trial: Trial, now: datetime) -> list[OverduePool]:
    """Pools with someone waiting past `pool_max_wait`, oldest first."""
    limit = trial.protocol.schedule.pool_max_wait
    found = []
    for (arm, track, band), waiting in (await _waiting(session)).items():
        if waiting and now - waiting[0].entry.entered_at >= limit:
            days = (now - waiting[0].entry.entered_at).days
            oldest = waiting[0]
            found.append(
                OverduePool(
                    arm,
                    track,
                    band,
                    len(waiting),
                    days,
                    oldest.entry.entered_at.isoformat(),
                    oldest.language,
                    tuple(person.entry.participant_id for person in waiting),
                )
            )
    return sorted(found, key=lambda pool: -pool.days)


async def form_groups(session: AsyncSession, trial: Trial, now: datetime) -> FormationResult:
    """Fill, form, merge or wait, for every pool; returns what was formed."""
    pools = await _waiting(session)
    result = FormationResult()
    groups = trial.protocol.groups
    for pool in sorted(pools):
        result.filled += await _fill(session, pool, pools[pool], trial, now)
        for size in split_sizes(len(pools[pool]), groups.min_size, groups.max_size):
            taken, pools[pool] = pools[pool][:size], pools[pool][size:]
            reason = f"{size + len(pools[pool])} waiting, at least {groups.min_size} needed"
            result.formed.append(await _form(session, pool, taken, "formed", reason, now))
    for pool in sorted(pools):
        if (
            pools[pool]
            and now - pools[pool][0].entry.entered_at >= trial.protocol.schedule.pool_max_wait
        ):
            group = await _past_wait_limit(session, pool, pools, trial, now)
            if group is not None:
                result.formed.append(group)
    return result


async def _join_running(
    session: AsyncSession, pool: Pool, waiting: list[Waiting], trial: Trial, now: datetime
) -> int:
    """Place people who waited past the limit in a formed group of a neighbouring band."""
    arm, track, band = pool
    labels = [b.label for b in trial.protocol.age_bands]
    index = labels.index(band) if band in labels else -1
    near = {band} | {labels[i] for i in (index - 1, index + 1) if 0 <= i < len(labels)}
    sizes = await session.execute(
        select(PeerGroup, func.count(GroupMember.id))
        .outerjoin(
            GroupMember,
            (GroupMember.group_id == PeerGroup.id)
            & GroupMember.status.in_((MemberStatus.ASSIGNED, MemberStatus.JOINED)),
        )
        .where(
            PeerGroup.status.in_((GroupStatus.AWAITING_BIND, GroupStatus.ACTIVE)),
            PeerGroup.arm == arm,
            PeerGroup.track == track,
        )
        .group_by(PeerGroup.id)
        .order_by(func.count(GroupMember.id), PeerGroup.id)
    )
    largest = trial.protocol.groups.max_size
    for group, size in sizes:
        if size + len(waiting) > largest or not near & set(group.age_band.split("+")):
            continue
        taken = list(waiting)
        waiting.clear()
        await _place(session, group, taken, now)
        reason = f"{len(taken)} waited past the limit; joined a group of {size} in {group.age_band}"
        await _decide(session, pool, "joined_group", reason, now, group, len(taken))
        for person in taken:
            intent = f"pool_joined_group:{person.entry.participant_id}"
            await tell_waiting(session, person, "pool.merged", intent, now, size=size + len(taken))
        if group.status is GroupStatus.ACTIVE and group.telegram_chat_id is not None:
            await _links_for_new_members(session, group, now)
        return len(taken)
    return 0


async def _links_for_new_members(session: AsyncSession, group: PeerGroup, now: datetime) -> None:
    """Members added to a bound group get their personal join link (made by an outbox call)."""
    assert group.telegram_chat_id is not None
    members = await session.scalars(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.status == MemberStatus.ASSIGNED,
            GroupMember.invite_link.is_(None),
        )
    )
    for member in members:
        call = OutgoingCall(
            chat_id=group.telegram_chat_id,
            method="createChatInviteLink",
            params={"name": member.tag, "creates_join_request": True},
            kind=LINK_KIND,
            intent_key=f"call:invite_link:{member.id}:late",
            context={"member_id": member.id, "update_id": f"late-{member.id}"},
        )
        await enqueue(session, call, now)


async def _waiting(session: AsyncSession) -> dict[Pool, list[Waiting]]:
    rows = await session.execute(
        select(PoolEntry, Participant.language, Participant.telegram_user_id, Participant.status)
        .join(Participant, Participant.id == PoolEntry.participant_id)
        .where(
            PoolEntry.placed_at.is_(None),
            Participant.status.in_((ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)),
        )
        .order_by(PoolEntry.entered_at, PoolEntry.participant_id)
    )
    pools: dict[Pool, list[Waiting]] = defaultdict(list)
    for entry, language, telegram_user_id, status in rows:
        pools[(entry.arm, entry.track, entry.age_band)].append(
            Waiting(entry, language, telegram_user_id, status is ParticipantStatus.PAUSED)
        )
    return pools


async def _fill(
    session: AsyncSession, pool: Pool, waiting: list[Waiting], trial: Trial, now: datetime
) -> int:
    """Add waiting people to this pool's groups that still await binding and have room."""
    arm, track, band = pool
    largest = trial.protocol.groups.max_size
    sizes = (
        select(PeerGroup, func.count(GroupMember.id))
        .join(GroupMember, GroupMember.group_id == PeerGroup.id)
        .where(
            PeerGroup.status == GroupStatus.AWAITING_BIND,
            PeerGroup.arm == arm,
            PeerGroup.track == track,
            PeerGroup.age_band == band,
        )
        .group_by(PeerGroup.id)
        .order_by(PeerGroup.id)
    )
    added = 0
    for group, size in await session.execute(sizes):
        room = min(largest - size, len(waiting))
        if room <= 0:
            continue
        taken = waiting[:room]
        del waiting[:room]
        await _place(session, group, taken, now)
        await _decide(
            session, pool, "filled", f"added {room} to a group of {size}", now, group, room
        )
        added += room
    return added


async def _past_wait_limit(
    session: AsyncSession, pool: Pool, pools: dict[Pool, list[Waiting]], trial: Trial, now: datetime
) -> PeerGroup | None:
    """Merge with the neighbouring band with most people waiting, or form smaller, or wait."""
    arm, track, band = pool
    own = pools[pool]
    labels = [b.label for b in trial.protocol.age_bands]
    index = labels.index(band) if band in labels else -1
    near = [labels[i] for i in (index - 1, index + 1) if index >= 0 and 0 <= i < len(labels)]
    neighbour = max(near, key=lambda b: len(pools.get((arm, track, b), [])), default=None)
    others = pools.get((arm, track, neighbour), []) if neighbour else []
    smallest, largest = trial.protocol.groups.min_size, trial.protocol.groups.max_size
    waited = f"{len(own)} waited past {trial.protocol.schedule.pool_max_wait}"
    combined = len(own) + len(others)
    if others and (combined >= smallest or len(own) < MIN_VIABLE <= combined):
        assert neighbour is not None
        taken = others[: largest - len(own)]
        del others[: len(taken)]
        merged = "+".join(b for b in labels if b in (band, neighbour))
        reason = f"{waited}; merged with {len(taken)} from {neighbour}"
        pools[pool] = []
        return await _form(session, (arm, track, merged), own + taken, "merged", reason, now)
    if len(own) >= MIN_VIABLE:
        pools[pool] = []
        reason = f"{waited}; no one waiting in a neighbouring band, so a smaller group"
        return await _form(session, pool, own, "formed_small", reason, now)
    # Too few, with nobody nearby to merge with: a formed group of their arm and track, in
    # their band or the next, takes them if it has room.
    if await _join_running(session, pool, own, trial, now):
        return None
    key = f"wait:{arm}:{track}:{band}:{own[0].entry.participant_id}"
    reason = f"{waited}; too few to form a group or merge, so they keep waiting"
    await _decide(session, pool, "waiting", reason, now, None, len(own), dedupe=key)
    for person in own:
        intent = f"pool_keep_waiting:{person.entry.participant_id}:{key}"
        await tell_waiting(session, person, "pool.keep_waiting", intent, now)
    return None


async def _form(
    session: AsyncSession,
    pool: Pool,
    taken: list[Waiting],
    decision: str,
    reason: str,
    now: datetime,
) -> PeerGroup:
    arm, track, band = pool
    languages = Counter(w.language for w in taken)
    language = "nl" if languages["nl"] >= languages["en"] else "en"
    group = PeerGroup(
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
        arm=arm,
        track=track,
        age_band=band,
        language=language,
        formed_size=len(taken),
        status=GroupStatus.AWAITING_BIND,
        formed_at=now,
    )
    session.add(group)
    await session.flush()
    await _place(session, group, taken, now)
    await _decide(session, pool, decision, reason, now, group, len(taken))
    if decision in ("merged", "formed_small"):
        # They waited past the limit: say what the protocol's rule did about it.
        for person in taken:
            intent = f"pool_{decision}:{person.entry.participant_id}"
            await tell_waiting(session, person, f"pool.{decision}", intent, now, size=len(taken))
    return group


async def _place(
    session: AsyncSession, group: PeerGroup, taken: list[Waiting], now: datetime
) -> None:
    for waiting in taken:
        waiting.entry.placed_at = now
        session.add(
            GroupMember(
                group_id=group.id,
                participant_id=waiting.entry.participant_id,
                tag="m-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6)),
                status=MemberStatus.ASSIGNED,
            )
        )
    await session.flush()


async def _decide(
    session: AsyncSession,
    pool: Pool,
    decision: str,
    reason: str,
    now: datetime,
    group: PeerGroup | None,
    size: int,
    dedupe: str | None = None,
) -> None:
    arm, track, band = pool
    values = {
        "at": now,
        "arm": arm,
        "track": track,
        "age_band": band,
        "decision": decision,
        "reason": reason,
        "group_id": group.id if group else None,
        "size": size,
        "dedupe_key": dedupe,
    }
    # A "keep waiting" decision is logged once per oldest waiter, not on every scan.
    await insert_if_absent(session, FormationDecision, values, ["dedupe_key"])
