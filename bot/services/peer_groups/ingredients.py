"""Which ingredients a peer group gets: its arm's components and its group-factorial draw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupIngredients, GroupStatus, PeerGroup
from bot.services.trial import Trial
from experiments.allocation import GroupDraw, cell_components, draw_cell, group_stratum
from experiments.protocol import Component

__all__ = [
    "active_groups_with",
    "draw_ingredients",
    "group_components",
    "group_draws",
    "group_has",
]


async def draw_ingredients(
    session: AsyncSession, trial: Trial, group: PeerGroup, now: datetime
) -> GroupIngredients | None:
    """Draw a newly formed group's cell (the next position of its arm and track's sequence) and
    record it; None when the study draws nothing by group."""
    factorial = trial.protocol.group_factorial
    if factorial is None:
        return None
    stratum = group_stratum(group.arm, group.track)
    taken = await session.scalar(
        select(func.count())
        .select_from(GroupIngredients)
        .where(GroupIngredients.stratum == stratum)
    )
    position = int(taken or 0)
    drawn = GroupIngredients(
        group_id=group.id,
        stratum=stratum,
        position=position,
        cell=draw_cell(trial.allocation_seed, factorial, stratum, position),
        drawn_at=now,
    )
    session.add(drawn)
    await session.flush()
    return drawn


async def group_components(
    session: AsyncSession, trial: Trial, group: PeerGroup
) -> frozenset[Component]:
    """Everything this group gets: its arm's components plus what its draw switched on."""
    cell = await session.scalar(
        select(GroupIngredients.cell).where(GroupIngredients.group_id == group.id)
    )
    drawn = cell_components(cell) if cell is not None else ()
    return trial.protocol.group_components(group.arm, drawn)


async def group_has(
    session: AsyncSession, trial: Trial, group: PeerGroup, component: Component
) -> bool:
    """Whether this group gets a component (from its arm or from its draw)."""
    return component in await group_components(session, trial, group)


async def active_groups_with(
    session: AsyncSession, trial: Trial, component: Component
) -> list[PeerGroup]:
    """The active groups that get a component (from their arm or their draw), in one query."""
    rows = await session.execute(
        select(PeerGroup, GroupIngredients.cell)
        .outerjoin(GroupIngredients, GroupIngredients.group_id == PeerGroup.id)
        .where(PeerGroup.status == GroupStatus.ACTIVE)
        .order_by(PeerGroup.id)
    )
    protocol = trial.protocol
    return [
        group
        for group, cell in rows
        if component
        in protocol.group_components(group.arm, cell_components(cell) if cell is not None else ())
    ]


async def group_draws(session: AsyncSession) -> list[GroupDraw]:
    """Every recorded group draw, for `study verify`."""
    rows = await session.execute(
        select(
            PeerGroup.code,
            GroupIngredients.stratum,
            GroupIngredients.position,
            GroupIngredients.cell,
        )
        .join(PeerGroup, PeerGroup.id == GroupIngredients.group_id)
        .order_by(GroupIngredients.stratum, GroupIngredients.position)
    )
    return [GroupDraw(code, stratum, position, cell) for code, stratum, position, cell in rows]
