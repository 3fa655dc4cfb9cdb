"""Dose and cost per arm (issue 27.2): the dose the events count
(`experiments.records.dose_frames`), the cost per participant per arm, and the cost per extra
unit of the primary outcome against its comparator, from the protocol's `[costs]`.

An arm's cost is its allocated participants times the fixed cost, plus the counsellor time its
counted actions take (`[costs.minutes]`) at the hourly rate: costs so far, to the data date.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from experiments.analysis.contrasts import Result
from experiments.protocol import Costs
from experiments.records.dose_frames import ArmDose, GroupDose, dose_by_arm, dose_by_group

__all__ = [
    "ArmCost",
    "ArmDose",
    "ExtraCost",
    "GroupDose",
    "arm_costs",
    "cost_per_extra_unit",
    "counsellor_hours",
    "dose_by_arm",
    "dose_by_group",
]

_WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ArmCost:
    """One arm's cost to the data date."""

    arm: str
    participants: int
    counsellor_hours: float
    total_eur: float
    per_participant_eur: float | None  # None: nobody allocated


@dataclass(frozen=True, slots=True)
class ExtraCost:
    """The extra cost per participant of an arm over its comparator, and what it bought."""

    contrast: str
    extra_cost_eur: float | None  # per participant
    extra_units: float | None  # of the primary outcome, per participant (the model's effect)
    per_unit_eur: float | None
    not_estimable: str | None = None  # why there is no cost per unit


def counsellor_hours(dose: ArmDose, costs: Costs) -> float:
    """The counsellor time an arm's counted actions take, in hours."""
    m = costs.minutes
    minutes = (
        dose.answers * m.answer
        + dose.counsellor_posts * m.group_post
        + dose.digests * m.digest
        + dose.outreach_sent * m.outreach
        + dose.group_weeks * m.group_week
    )
    return minutes / 60


def arm_costs(doses: Sequence[ArmDose], costs: Costs) -> list[ArmCost]:
    """Each arm's cost: the fixed cost per participant plus its counsellor hours."""
    rows = []
    for dose in doses:
        hours = counsellor_hours(dose, costs)
        total = dose.participants * costs.per_participant_fixed_eur
        total += hours * costs.counsellor_hour_eur
        per = total / dose.participants if dose.participants else None
        rows.append(ArmCost(dose.arm, dose.participants, hours, total, per))
    return rows


def cost_per_extra_unit(
    result: Result, by_arm: Mapping[str, ArmCost], follow_up: timedelta
) -> ExtraCost:
    """The extra cost per participant over the comparator divided by the extra outcome per
    participant the primary's estimate implies: for a rate ratio, (RR − 1) × the comparator's
    rate × the follow-up weeks; for a risk ratio, (RR − 1) × the comparator's share; for a
    difference, the difference. Not estimable when the effect is missing or not positive."""
    arm, _, comparator = result.contrast.partition(" vs ")
    mine, theirs = by_arm.get(arm), by_arm.get(comparator)
    if mine is None or theirs is None:
        return ExtraCost(result.contrast, None, None, None, "not a contrast of two arms")
    extra_cost = None
    if mine.per_participant_eur is not None and theirs.per_participant_eur is not None:
        extra_cost = mine.per_participant_eur - theirs.per_participant_eur
    units = _extra_units(result, follow_up)
    if units is None:
        reason = (
            result.not_estimable.reason if result.not_estimable else "no estimate of the effect"
        )
        return ExtraCost(result.contrast, extra_cost, None, None, reason)
    if units <= 0:
        return ExtraCost(result.contrast, extra_cost, units, None, "the effect is not positive")
    if extra_cost is None:
        return ExtraCost(result.contrast, None, units, None, "an arm has no participants")
    if extra_cost < 0:  # cheaper and better: a ratio would be negative and meaningless
        return ExtraCost(
            result.contrast,
            extra_cost,
            units,
            None,
            "costs less than its comparator and does better",
        )
    return ExtraCost(result.contrast, extra_cost, units, extra_cost / units)


def _extra_units(result: Result, follow_up: timedelta) -> float | None:
    estimate, base = result.estimate, result.summary[1]
    if estimate is None or not math.isfinite(estimate):
        return None
    kind = result.outcome.kind
    if kind in ("money", "questionnaire"):
        return estimate
    if base is None or not math.isfinite(base):
        return None
    if kind == "count":
        return (estimate - 1) * base * (follow_up / _WEEK)
    return (estimate - 1) * base  # binary: a risk ratio on the comparator's share
