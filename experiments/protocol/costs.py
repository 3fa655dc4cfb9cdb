"""The protocol's `[costs]`: what a counsellor's hour and each participant cost, for the
report's cost per participant per arm and cost per extra unit of the primary outcome.

A section of its own and optional: a protocol without it gets dose per arm but no costs.
Amounts are in euros; minutes are counsellor time per counted action (issue 27.2).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Costs", "CounsellorMinutes"]


class CounsellorMinutes(BaseModel):
    """Counsellor minutes per action the events count; 0 leaves an action out of the cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: float = Field(default=6.0, ge=0, le=600)  # reading and answering one question
    group_post: float = Field(default=4.0, ge=0, le=600)  # one post of theirs in a group
    digest: float = Field(default=10.0, ge=0, le=600)  # reading a group's weekly digest
    outreach: float = Field(default=6.0, ge=0, le=600)  # one 1:1 check-in they started
    group_week: float = Field(default=15.0, ge=0, le=6000)  # following one group for a week


class Costs(BaseModel):
    """Unit costs: a counsellor hour (all in: salary, overhead) and a fixed cost per allocated
    participant in every arm (the bot's share of hosting, enrolment, support)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    counsellor_hour_eur: float = Field(ge=0, le=1000)
    per_participant_fixed_eur: float = Field(ge=0, le=100_000)
    minutes: CounsellorMinutes = CounsellorMinutes()


def describe_costs(costs: Costs | None) -> str:
    """One line for `study check`."""
    if costs is None:
        return "Costs: none given (the report shows dose per arm without costs)"
    m = costs.minutes
    return (
        f"Costs: €{costs.counsellor_hour_eur:.2f} a counsellor hour, "
        f"€{costs.per_participant_fixed_eur:.2f} fixed per participant; counsellor minutes per "
        f"answer {m.answer:g}, group post {m.group_post:g}, digest {m.digest:g}, outreach "
        f"{m.outreach:g}, group week {m.group_week:g}"
    )
