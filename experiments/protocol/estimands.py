"""The estimand decisions of `[analysis]` (ICH E9(R1)): a strategy for every intercurrent event,
the subgroup statement and the interim rule. `study check` refuses a plan that leaves any of them
undecided, and a strategy Lotgenoot does not run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from experiments.protocol.sections import Component

if TYPE_CHECKING:
    from experiments.protocol.analysis_plan import AnalysisPlan
    from experiments.protocol.document import Protocol

__all__ = [
    "EVENT_LABELS",
    "STRATEGY_LABELS",
    "EventStrategy",
    "IntercurrentEvent",
    "Interim",
    "Strategy",
    "estimand_problems",
    "expected_events",
]

Strategy = Literal[
    "treatment_policy", "while_on_treatment", "principal_stratum", "hypothetical", "composite"
]
IntercurrentEvent = Literal[
    "stopped_participating",
    "lost_contact",
    "data_erased",
    "paused",
    "never_joined_group",
    "left_group",
]
# The only interim rule so far: looks before the planned end are descriptive (no test, no
# stopping); a spending-function plan is a later step.
Interim = Literal["descriptive_only"]

EVENT_LABELS: dict[str, str] = {
    "stopped_participating": "stopped participating (withdrawal)",
    "lost_contact": "lost to contact (bot blocked)",
    "data_erased": "erased their data (/delete)",
    "paused": "paused the nudges",
    "never_joined_group": "never joined a peer group (never placed, or placed but never joined)",
    "left_group": "left their peer group",
}
STRATEGY_LABELS: dict[str, str] = {
    "treatment_policy": "treatment policy",
    "while_on_treatment": "while on treatment",
    "principal_stratum": "principal stratum",
    "hypothetical": "hypothetical",
    "composite": "composite",
}
_GROUP_EVENTS = ("never_joined_group", "left_group")
# The analyses Lotgenoot runs, per role. Primary: the ITT analysis counts what happens after every
# event (treatment policy). Sensitivity: the count analysis that ends exposure at withdrawal, loss
# or erasure (while on treatment). Supplementary: the complier-average effect of joining a group,
# assignment as the instrument (principal stratum).
_RUNS: dict[str, dict[str, tuple[str, ...]]] = {
    "primary": {event: ("treatment_policy",) for event in EVENT_LABELS},
    "sensitivity": {
        "stopped_participating": ("while_on_treatment",),
        "lost_contact": ("while_on_treatment",),
        "data_erased": ("while_on_treatment",),
    },
    "supplementary": {"never_joined_group": ("principal_stratum",)},
}
_EXPOSURE_ENDING = tuple(_RUNS["sensitivity"])


class EventStrategy(BaseModel):
    """How one intercurrent event is handled: in the primary analysis, and optionally in a
    sensitivity and a supplementary analysis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: Strategy
    sensitivity: Strategy | None = None
    supplementary: Strategy | None = None


def expected_events(protocol: Protocol) -> tuple[str, ...]:
    """The intercurrent events this protocol can have: the group events only with peer groups."""
    grouped = bool(protocol.arms_with(Component.PEER_GROUP))
    return tuple(e for e in EVENT_LABELS if grouped or e not in _GROUP_EVENTS)


def estimand_problems(protocol: Protocol, plan: AnalysisPlan) -> Iterator[tuple[str, str]]:
    """Every undecided or unsupported estimand decision of the plan."""
    expected = expected_events(protocol)
    events = plan.intercurrent_events
    if events is None:
        yield (
            "analysis.intercurrent_events",
            "decide a strategy for every intercurrent event (ICH E9(R1)): "
            + ", ".join(expected)
            + ' — e.g. stopped_participating = { primary = "treatment_policy", '
            'sensitivity = "while_on_treatment" }',
        )
    else:
        missing = [e for e in expected if e not in events]
        if missing:
            yield (
                "analysis.intercurrent_events",
                f"no strategy for {', '.join(missing)} (every intercurrent event this protocol "
                "can have needs one)",
            )
        for event, decided in events.items():
            yield from _strategy_problems(event, decided)
        ending = {e for e in _EXPOSURE_ENDING if e in events and events[e].sensitivity}
        if ending and len(ending) != len(_EXPOSURE_ENDING):
            yield (
                "analysis.intercurrent_events",
                "the while-on-treatment sensitivity ends exposure at withdrawal, loss and "
                f"erasure together: give it to all of {', '.join(_EXPOSURE_ENDING)} or none",
            )
    if plan.subgroups is None:
        yield (
            "analysis.subgroups",
            'state the pre-specified subgroups ([[analysis.subgroups]]) or subgroups = "none"',
        )
    if plan.interim is None:
        yield (
            "analysis.interim",
            'say how looks before the planned end are used: interim = "descriptive_only" '
            "(estimates shown, no test decides anything; a spending-function plan is not "
            "supported yet)",
        )


def _strategy_problems(event: str, decided: EventStrategy) -> Iterator[tuple[str, str]]:
    for role in ("primary", "sensitivity", "supplementary"):
        strategy = getattr(decided, role)
        if strategy is None:
            continue
        runs = _RUNS[role].get(event, ())
        if strategy not in runs:
            offered = ", ".join(runs) if runs else f"no {role} analysis for this event"
            yield (
                f"analysis.intercurrent_events.{event}.{role}",
                f"{strategy!r} is not an analysis Lotgenoot runs (it runs: {offered})",
            )
