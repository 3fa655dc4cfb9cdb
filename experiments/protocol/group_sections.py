"""The peer-group sections of a protocol: group sizes, placement, moderation and the cycle
(`[groups]`), and the ingredients a study draws per group (`[group_factorial]`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from experiments.protocol.durations import PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.sections import GROUP_INGREDIENTS, Component, _Section

__all__ = ["MIN_CYCLE", "RETIRED_CHEER", "GroupFactorial", "Groups", "PlacementStep"]

PlacementStep = Literal["running_group", "smaller_group"]


MIN_CYCLE = timedelta(days=14)

# A protocol-wide public cheer named members who never chose to be named; members now opt in.
RETIRED_CHEER = (
    "retired: remove it; to show members' steps in their group, give the arm (or the group "
    'factorial) the component "progress_sharing": each member then chooses in their private '
    "chat whether to share, under a name they confirm"
)


class Groups(_Section):
    """Peer-group sizes and moderation settings."""

    min_size: int = Field(default=10, ge=2)
    max_size: int = Field(default=15, ge=2)
    flood_messages: int = Field(default=10, ge=1)
    flood_window: PositiveDuration = timedelta(seconds=5)
    mute_duration: PositiveDuration = timedelta(hours=1)
    warning_limit: int = Field(default=3, ge=1)
    silent_after: PositiveDuration = timedelta(days=7)
    counsellor_inactive_after: PositiveDuration = timedelta(days=7)
    # A group's cycle runs this long from its formation (SPEC §11.3): a mid-point message, a
    # closing week, then the group is closed. None: groups never end.
    cycle_length: PositiveDuration | None = None
    # Past `pool_max_wait`: the smallest group that may form (counted as min_size if larger),
    # how far a running group may grow past max_size to take someone in, and which comes first.
    smallest_size: int = Field(default=3, ge=2)
    size_slack: int = Field(default=2, ge=0)
    placement_order: tuple[PlacementStep, ...] = Field(
        default=("running_group", "smaller_group"), min_length=1
    )

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: object) -> object:
        if isinstance(data, dict) and "public_deposit_congratulation" in data:
            raise problem(RETIRED_CHEER, "public_deposit_congratulation")
        return data

    @model_validator(mode="after")
    def _sizes_ordered(self) -> Self:
        if self.min_size > self.max_size:
            raise problem("must not be less than min_size", "max_size")
        return self

    @field_validator("cycle_length")
    @classmethod
    def _room_for_a_closing_week(cls, value: timedelta | None) -> timedelta | None:
        if value is None:
            return None
        if value < MIN_CYCLE or value % timedelta(days=1):
            raise problem("must be whole days, at least P14D (a first week and a closing week)")
        return value

    @field_validator("placement_order")
    @classmethod
    def _each_step_once(cls, value: tuple[PlacementStep, ...]) -> tuple[PlacementStep, ...]:
        if len(set(value)) != len(value):
            raise problem("lists a step twice")
        return value

    @property
    def smallest(self) -> int:
        """The smallest group that may form for people past the wait limit."""
        return min(self.smallest_size, self.min_size)


class GroupFactorial(_Section):
    """Ingredients drawn per peer group at its formation, each on or off (SPEC §11.9)."""

    factors: tuple[Component, ...] = Field(min_length=1, max_length=3)
    block_multiples: tuple[int, ...] = (1, 2)

    @field_validator("factors")
    @classmethod
    def _group_ingredients_once(cls, value: tuple[Component, ...]) -> tuple[Component, ...]:
        if len(set(value)) != len(value):
            raise problem("lists a factor twice")
        outside = [str(f) for f in value if f not in GROUP_INGREDIENTS]
        if outside:
            allowed = ", ".join(GROUP_INGREDIENTS)
            raise problem(f"{', '.join(outside)} cannot be drawn by group (allowed: {allowed})")
        return tuple(component for component in Component if component in value)

    @field_validator("block_multiples")
    @classmethod
    def _sensible_blocks(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(m < 1 or m > 10 for m in value) or len(set(value)) != len(value):
            raise problem("must be distinct whole numbers from 1 to 10")
        return value
