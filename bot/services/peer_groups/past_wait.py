"""Nobody left waiting: whoever waited past `pool_max_wait` is placed, or told why not.

For each pool with someone past the limit (the longest waiting first), the protocol's
`groups.placement_order` says what is tried first:
- `running_group`: each of them joins a running group (formed; bound or not) of their arm and
  track with room, the nearest age band first, then the smallest. A running group may grow
  `groups.size_slack` past `max_size` this way; it keeps its arm and track. Their join link
  comes the way every member's does (`binding.request_links`), and the group's welcome greets
  them when they join.
- `smaller_group`: everyone waiting in their pool, with whole age bands of their arm and track
  (the nearest first) until the protocol's smallest group is reached, forms a group.
Whoever neither can place (too few in their arm and track across every band, and no running
group with room) is told so once, offered their counsellor, and counted: a `pool_not_placeable`
event. They stay in the pool, so a later scan places them when it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupStatus, PeerGroup
from bot.db.study import Event
from bot.db.upsert import insert_if_absent
from bot.services.peer_groups.binding import request_links
from bot.services.peer_groups.cycle import open_for_newcomers
from bot.services.peer_groups.placing import (
    band_distance,
    decide,
    new_group,
    place,
    running_groups,
)
from bot.services.peer_groups.pool_news import Placement, tell_not_placeable, tell_placed
from bot.services.peer_groups.pools import Pool, Waiting
from bot.services.trial import Trial
from experiments.protocol import Component
from experiments.records import EventKind


@dataclass
class PastWait:
    """What one scan did for people past the wait limit."""

    formed: list[PeerGroup] = field(default_factory=list)  # smaller or merged groups
    joined: int = 0  # people placed in a running group
    not_placeable: int = 0  # people told, this scan, that no group can take them


async def place_overdue(
    session: AsyncSession, pools: dict[Pool, list[Waiting]], trial: Trial, now: datetime
) -> PastWait:
    """Place everyone waiting past the limit by the protocol's order, or say why not."""
    limit = trial.protocol.schedule.pool_max_wait
    result = PastWait()
    overdue_first = sorted(
        (
            pool
            for pool, waiting in pools.items()
            if waiting and now - waiting[0].entered_at >= limit
        ),
        key=lambda pool: (pools[pool][0].entered_at, pools[pool][0].participant_id),
    )
    for pool in overdue_first:
        overdue = [w for w in pools[pool] if now - w.entered_at >= limit]
        for step in trial.protocol.groups.placement_order:
            if not overdue:
                break
            if step == "running_group":
                result.joined += await _into_running_groups(session, pool, overdue, trial, now)
            else:
                group = await _smaller_group(session, pool, pools, trial, now)
                if group is not None:
                    result.formed.append(group)
            overdue = [w for w in overdue if w.entry.placed_at is None]
        pools[pool] = [w for w in pools[pool] if w.entry.placed_at is None]
        for person in overdue:
            result.not_placeable += await _not_placeable(session, pool, person, pools, trial, now)
    return result


async def _into_running_groups(
    session: AsyncSession, pool: Pool, overdue: list[Waiting], trial: Trial, now: datetime
) -> int:
    """Each person past the limit into the nearest running group of their arm and track with
    room (up to `max_size` + `size_slack`); how many were placed."""
    arm, track, band = pool
    groups = trial.protocol.groups
    labels = [b.label for b in trial.protocol.age_bands]
    room_up_to = groups.max_size + groups.size_slack
    found = [
        (group, size)
        for group, size in await running_groups(session, arm, track)
        if open_for_newcomers(group, trial.protocol, now)  # not in its last week (issue 26.8)
    ]
    running = {group.id: group for group, _ in found}
    sizes = {group.id: size for group, size in found}

    def nearest_then_smallest(group_id: int) -> tuple[int, int, int]:
        return (band_distance(labels, band, running[group_id].age_band), sizes[group_id], group_id)

    placed = 0
    for person in overdue:
        with_room = [group_id for group_id, size in sizes.items() if size < room_up_to]
        if not with_room:
            break
        chosen = running[min(with_room, key=nearest_then_smallest)]
        await place(session, chosen, [person], "joined_group", now)
        sizes[chosen.id] += 1
        placed += 1
        reason = (
            f"waited past {trial.protocol.schedule.pool_max_wait}; joined group #{chosen.id} "
            f"({chosen.age_band}), now {sizes[chosen.id]} members"
        )
        await decide(session, pool, "joined_group", reason, now, chosen, 1)
        await tell_placed(session, person, "joined_group", sizes[chosen.id], now)
        if chosen.status is GroupStatus.ACTIVE and chosen.telegram_chat_id is not None:
            await request_links(session, chosen, now, batch="late")
    return placed


async def _smaller_group(
    session: AsyncSession,
    pool: Pool,
    pools: dict[Pool, list[Waiting]],
    trial: Trial,
    now: datetime,
) -> PeerGroup | None:
    """A group of at least the protocol's smallest size from this pool and, when it is too
    small, whole age bands of the same arm and track, the nearest (then fullest) first."""
    arm, track, band = pool
    groups = trial.protocol.groups
    labels = [b.label for b in trial.protocol.age_bands]
    others = sorted(
        (b for (a, t, b), waiting in pools.items() if (a, t) == (arm, track) and b != band),
        key=lambda b: (band_distance(labels, band, b), -len(pools[(arm, track, b)]), b),
    )
    bands = [band]
    taken = [w for w in pools[pool] if w.entry.placed_at is None]
    for other in others:
        if len(taken) >= groups.smallest:
            break
        if pools[(arm, track, other)]:
            bands.append(other)
            taken += pools[(arm, track, other)]
    if len(taken) < groups.smallest:
        return None
    taken = taken[: groups.max_size]
    ids = {w.participant_id for w in taken}
    used = {b for b in bands if any(w.participant_id in ids for w in pools[(arm, track, b)])}
    for b in used:
        pools[(arm, track, b)] = [w for w in pools[(arm, track, b)] if w.participant_id not in ids]
    merged = "+".join(b for b in labels if b in used) or band
    decision: Placement = "formed_small" if used == {band} else "merged"
    reason = (
        f"waited past {trial.protocol.schedule.pool_max_wait}; {len(taken)} from "
        f"{', '.join(sorted(used))} (at least {groups.smallest})"
    )
    group = await new_group(session, trial, (arm, track, merged), taken, decision, reason, now)
    for person in taken:
        await tell_placed(session, person, decision, len(taken), now)
    return group


async def _not_placeable(
    session: AsyncSession,
    pool: Pool,
    person: Waiting,
    pools: dict[Pool, list[Waiting]],
    trial: Trial,
    now: datetime,
) -> int:
    """No group can take them: an event, a decision and a message, each only once."""
    arm, track, _band = pool
    waiting = sum(len(w) for (a, t, _b), w in pools.items() if (a, t) == (arm, track))
    needed = trial.protocol.groups.smallest
    values = {
        "participant_id": person.participant_id,
        "kind": EventKind.POOL_NOT_PLACEABLE,
        "detail": {"waiting": waiting, "needed": needed},
        "occurred_at": now,
        "source": "pool",
        "dedupe_key": f"pool_not_placeable:{person.participant_id}",
    }
    if not await insert_if_absent(session, Event, values, ["dedupe_key"]):
        return 0
    reason = (
        f"waited past {trial.protocol.schedule.pool_max_wait}; {waiting} waiting in "
        f"{arm}/{track} across every band (at least {needed} needed), no running group with room"
    )
    await decide(session, pool, "not_placeable", reason, now, None, 1)
    counsellor = arm in trial.protocol.arms_with(Component.COUNSELLOR_CONTACT)
    await tell_not_placeable(session, person, track, now, counsellor=counsellor)
    return 1
