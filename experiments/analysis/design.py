"""Trial design types: the outcomes per participant and the arms as the protocol defines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from experiments.protocol import Component, Protocol

__all__ = ["OUTCOMES", "Design", "Outcome"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome per participant: who can have it (track), and how it is modelled."""

    name: str
    label: str
    track: str
    model: Literal["count", "continuous"]


OUTCOMES = (
    Outcome("deposits", "Deposits", "savings", "count"),
    Outcome("saved_eur", "Total saved (€)", "savings", "continuous"),
    Outcome("applications", "Applications", "jobsearch", "count"),
)


@dataclass(frozen=True)
class Design:
    """The arms as the protocol defines them, and which one is the control."""

    weights: dict[str, int]
    control: str
    control_reason: str
    grouped_arms: tuple[str, ...]
    keep_erased: bool

    @classmethod
    def from_protocol(cls, protocol: Protocol) -> Design:
        """Control: the first arm with no components, else the protocol's last arm."""
        bare = [arm.name for arm in protocol.arms if not arm.components]
        if bare:
            control, reason = bare[0], "the arm with no intervention components"
        else:
            control, reason = protocol.arms[-1].name, "no arm lacks components: the last arm"
        return cls(
            weights=protocol.arm_weights(),
            control=control,
            control_reason=reason,
            grouped_arms=protocol.arms_with(Component.PEER_GROUP),
            keep_erased=protocol.study.keep_research_data_after_erasure,
        )

    @property
    def arms(self) -> list[str]:
        """Arm names in protocol order."""
        return list(self.weights)

    @property
    def treatments(self) -> list[str]:
        """Every arm compared with control."""
        return [arm for arm in self.weights if arm != self.control]
