"""Putting people in a group: a new group, a place in one, and the log of why.

Every placement, however it came about, is one `group_placed` event per person (with the
decision and the whole days waited), so the report can count who was never placed and how long
placement took; every decision is a row in `formation_decisions` with its reason.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import FormationDecision, GroupMember, GroupStatus, MemberStatus, PeerGroup
from bot.db.study import Event
from bot.db.upsert import insert_if_absent
from bot.services.peer_groups.ingredients import draw_ingredients
from bot.services.peer_groups.pool_news import Waiting
from bot.services.peer_groups.pools import Pool
from bot.services.trial import Trial
from experiments.records import EventKind

CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
RUNNING = (GroupStatus.AWAITING_BIND, GroupStatus.ACTIVE)  # groups that may still take people


async def new_group(
    session: AsyncSession,
    trial: Trial,
    pool: Pool,
    taken: list[Waiting],
    decision: str,
    reason: str,
    now: datetime,
) -> PeerGroup:
    """A group formed from `taken`, waiting for its counsellor to bind a chat; its group-level
    ingredients are drawn now (SPEC §11.9)."""
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
    await draw_ingredients(session, trial, group, now)
    await place(session, group, taken, decision, now)
    await decide(session, pool, decision, reason, now, group, len(taken))
    return group


async def place(
    session: AsyncSession, group: PeerGroup, taken: Sequence[Waiting], decision: str, now: datetime
) -> None:
    """Members of `group` from now on (assigned, until they join its chat): an event each."""
    for waiting in taken:
        waiting.entry.placed_at = now
        session.add(
            GroupMember(
                group_id=group.id,
                participant_id=waiting.participant_id,
                tag="m-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6)),
                status=MemberStatus.ASSIGNED,
            )
        )
        session.add(
            Event(
                participant_id=waiting.participant_id,
                kind=EventKind.GROUP_PLACED,
                occurred_at=now,
                source="pool",
                detail={
                    "group": group.id,
                    "decision": decision,
                    "waited_days": (now - waiting.entry.entered_at).days,
                },
                dedupe_key=f"group_placed:{waiting.participant_id}",
            )
        )
    await session.flush()


async def decide(
    session: AsyncSession,
    pool: Pool,
    decision: str,
    reason: str,
    now: datetime,
    group: PeerGroup | None,
    size: int,
    dedupe: str | None = None,
) -> None:
    """One row of `formation_decisions`; with `dedupe`, only the first of its kind."""
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
    await insert_if_absent(session, FormationDecision, values, ["dedupe_key"])


async def running_groups(
    session: AsyncSession, arm: str, track: str, statuses: Sequence[GroupStatus] = RUNNING
) -> list[tuple[PeerGroup, int]]:
    """The groups of an arm and track with these statuses, each with its members in (or on
    their way in): assigned or joined."""
    rows = await session.execute(
        select(PeerGroup, func.count(GroupMember.id))
        .outerjoin(
            GroupMember,
            (GroupMember.group_id == PeerGroup.id)
            & GroupMember.status.in_((MemberStatus.ASSIGNED, MemberStatus.JOINED)),
        )
        .where(PeerGroup.status.in_(statuses), PeerGroup.arm == arm, PeerGroup.track == track)
        .group_by(PeerGroup.id)
        .order_by(PeerGroup.id)
    )
    return [(group, int(size)) for group, size in rows]


def band_distance(labels: Sequence[str], band: str, other: str) -> int:
    """How many age bands apart `band` is from `other` (a group's bands may be merged:
    "21-25+26-35"); a band the protocol no longer lists is as far as can be."""
    far = len(labels)
    if band not in labels:
        return 0 if band in other.split("+") else far
    mine = labels.index(band)
    return min(
        (abs(labels.index(part) - mine) for part in other.split("+") if part in labels),
        default=far,
    )
