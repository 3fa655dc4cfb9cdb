"""Group-level ingredients drawn by group (SPEC §11.9): a peer factorial.

Ingredients that act inside a group (buddies, shared progress, hosts …) would contaminate a
person-level comparison, so a study may instead draw them per group. At its formation a group of
arm A and track T takes the next position k of the stratum `arm=A|track=T` and gets the cell at k
of a permuted-block sequence over every on/off combination of the protocol's factors, each
combination equally often in every block.

The sequence is the allocation sequence's (see `experiments.allocation.randomization`), keyed with
HMAC-SHA256(seed, "lotgenoot/group-factorial/v1") instead of the seed itself: a label of its own,
so the group draws and the person allocations never share a stream, and anyone with the seed can
recompute every group's cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from experiments.allocation.audit import derive_key
from experiments.allocation.randomization import AllocationSequence
from experiments.protocol import GroupFactorial

__all__ = ["GroupDraw", "cell_components", "cells", "draw_cell", "group_stratum", "verify_draws"]

GROUP_FACTORIAL_LABEL = b"lotgenoot/group-factorial/v1"
NO_FACTOR = "none"


def cells(factorial: GroupFactorial) -> tuple[str, ...]:
    """Every on/off combination of the factors, named by the factors that are on, e.g.
    ("none", "progress_sharing", "buddy", "buddy+progress_sharing")."""
    names = []
    for switches in product((False, True), repeat=len(factorial.factors)):
        on = [str(f) for f, is_on in zip(factorial.factors, switches, strict=True) if is_on]
        names.append("+".join(on) if on else NO_FACTOR)
    return tuple(names)


def cell_components(cell: str) -> tuple[str, ...]:
    """The components a cell switches on (none for "none")."""
    return () if cell == NO_FACTOR else tuple(cell.split("+"))


def group_stratum(arm: str, track: str) -> str:
    """The stratum a group's draw is made in: its arm and track."""
    return f"arm={arm}|track={track}"


def _sequence(seed: bytes | str, factorial: GroupFactorial, stratum: str) -> AllocationSequence:
    key = derive_key(seed, GROUP_FACTORIAL_LABEL)
    weights = dict.fromkeys(cells(factorial), 1)
    return AllocationSequence(key, stratum, weights, factorial.block_multiples)


def draw_cell(seed: bytes | str, factorial: GroupFactorial, stratum: str, position: int) -> str:
    """The cell of the group at `position` (0 for the stratum's first group)."""
    return _sequence(seed, factorial, stratum).arm_at(position)


@dataclass(frozen=True, slots=True)
class GroupDraw:
    """One group's recorded draw: which stratum, which position in it, which cell."""

    group: str
    stratum: str
    position: int
    cell: str


def verify_draws(
    seed: bytes | str, factorial: GroupFactorial, draws: Iterable[GroupDraw]
) -> list[str]:
    """Problems with the recorded draws (an empty list when every group has its cell): each
    stratum's positions run 0, 1, 2 … without a gap or a repeat, and each cell is the one the
    seed gives for its position."""
    by_stratum: dict[str, list[GroupDraw]] = defaultdict(list)
    for draw in draws:
        by_stratum[draw.stratum].append(draw)
    problems: list[str] = []
    for stratum, recorded in sorted(by_stratum.items()):
        problems.extend(_stratum_problems(seed, factorial, stratum, recorded))
    return problems


def _stratum_problems(
    seed: bytes | str, factorial: GroupFactorial, stratum: str, recorded: Sequence[GroupDraw]
) -> list[str]:
    problems: list[str] = []
    positions = sorted(draw.position for draw in recorded)
    if positions != list(range(len(positions))):
        problems.append(f"{stratum}: positions {positions} are not 0 to {len(positions) - 1}")
    sequence = _sequence(seed, factorial, stratum)
    for draw in sorted(recorded, key=lambda d: d.position):
        expected = sequence.arm_at(draw.position) if draw.position >= 0 else None
        if draw.cell != expected:
            problems.append(
                f"group {draw.group} ({stratum}, position {draw.position}) has {draw.cell!r}, "
                f"the seed gives {expected!r}"
            )
    return problems
