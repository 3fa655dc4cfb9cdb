"""Forming groups from the pools, as every group scan does.

First each pool fills its groups that are formed but not yet bound (up to the maximum), then
it forms groups of valid size; whoever is left and has waited past the protocol's limit is
placed by `past_wait` (a running group, or a smaller one), or told why not. Every decision goes
into `formation_decisions` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupStatus, PeerGroup
from bot.services.peer_groups.past_wait import PastWait, place_overdue
from bot.services.peer_groups.placing import decide, new_group, place, running_groups
from bot.services.peer_groups.pools import Pool, Waiting, waiting_pools
from bot.services.trial import Trial


@dataclass
class FormationResult:
    formed: list[PeerGroup] = field(default_factory=list)
    filled: int = 0  # added to groups of their own band not yet bound
    past_wait: PastWait = field(default_factory=PastWait)


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


async def form_groups(session: AsyncSession, trial: Trial, now: datetime) -> FormationResult:
    """Fill, form, then place whoever waited past the limit, for every pool."""
    pools = await waiting_pools(session)
    result = FormationResult()
    groups = trial.protocol.groups
    for pool in sorted(pools):
        result.filled += await _fill(session, pool, pools[pool], trial, now)
        for size in split_sizes(len(pools[pool]), groups.min_size, groups.max_size):
            taken, pools[pool] = pools[pool][:size], pools[pool][size:]
            reason = f"{size + len(pools[pool])} waiting, at least {groups.min_size} needed"
            result.formed.append(
                await new_group(session, trial, pool, taken, "formed", reason, now)
            )
    result.past_wait = await place_overdue(session, pools, trial, now)
    result.formed += result.past_wait.formed
    return result


async def _fill(
    session: AsyncSession, pool: Pool, waiting: list[Waiting], trial: Trial, now: datetime
) -> int:
    """Add waiting people to this pool's groups that still await binding and have room."""
    arm, track, band = pool
    largest = trial.protocol.groups.max_size
    added = 0
    for group, size in await running_groups(session, arm, track, (GroupStatus.AWAITING_BIND,)):
        room = min(largest - size, len(waiting))
        if group.age_band != band or room <= 0:
            continue
        taken = waiting[:room]
        del waiting[:room]
        await place(session, group, taken, "filled", now)
        reason = f"added {room} to a group of {size}"
        await decide(session, pool, "filled", reason, now, group, room)
        added += room
    return added
