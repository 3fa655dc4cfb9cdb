"""Outcomes that last: a savings balance, work that is kept, and an end followed by follow-up.

`schedule.intervention_length` ends each person's intervention that long after their allocation
(SPEC §11.3): private nudges and the counsellor inbox stop, logging and follow-up go on.
`schedule.follow_up_times` are questionnaire waves counted from that end, after the waves of
`schedule.survey_times` (counted from allocation): together they are the study's waves, in
order (`wave_times`). `[balance]` asks savers an optional starting balance and says when a
fall counts as a relapse; `[retention]` asks, at its times after a job or training start,
whether the person still has that work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from experiments.protocol.durations import PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.outcomes import OutcomeSpec

if TYPE_CHECKING:
    from experiments.protocol.document import Protocol
    from experiments.protocol.sections import Schedule

__all__ = [
    "BALANCE_OUTCOMES",
    "RETENTION_PREFIX",
    "Balance",
    "Phase",
    "Retention",
    "RetentionCheck",
    "intervention_end",
    "lasting_outcome",
    "lasting_outcome_names",
    "lasting_problems",
    "phase_at",
    "retention_outcome_name",
    "wave_times",
]

Phase = Literal["intervention", "follow_up"]
_CHECK_NAME = re.compile(r"^[a-z0-9]{1,8}$")
RETENTION_PREFIX: Final = "job_retained_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Balance(_Section):
    """A saver's balance: whether the intake asks what they had put aside, and when a fall
    after a peak counts as a relapse (Kast's "terugval")."""

    ask_starting_balance: bool = False
    relapse_share: float = Field(default=0.5, gt=0, lt=1)


class RetentionCheck(_Section):
    """ "Do you still have this work?", `after` a job or training start; the answers are the
    outcome `job_retained_<name>`."""

    name: str
    after: PositiveDuration

    @field_validator("name")
    @classmethod
    def _short(cls, value: str) -> str:
        if not _CHECK_NAME.match(value):
            raise problem("must be 1 to 8 lowercase letters or digits, e.g. 3m")
        return value


class Retention(_Section):
    """The retention questions after a job or training start (not an offer)."""

    checks: tuple[RetentionCheck, ...] = ()

    @field_validator("checks")
    @classmethod
    def _ordered(cls, value: tuple[RetentionCheck, ...]) -> tuple[RetentionCheck, ...]:
        names = [check.name for check in value]
        if len(set(names)) != len(names):
            raise problem("names a check twice")
        for index in range(1, len(value)):
            if value[index].after <= value[index - 1].after:
                raise problem("must come after the check before it", f"[{index}]")
        return value

    def check(self, name: str) -> RetentionCheck | None:
        return next((check for check in self.checks if check.name == name), None)


BALANCE_OUTCOMES: Final = (
    OutcomeSpec(
        "balance_eur",
        "Savings balance at the end of the window (€)",
        "money",
        "savings",
        "events: starting_balance + deposits - money_out, corrected (ledger.did)",
    ),
    OutcomeSpec(
        "relapse",
        "Relapse: balance fell by more than the protocol's share after a peak",
        "binary",
        "savings",
        "events: starting_balance, deposits, money_out, corrected ([balance] relapse_share)",
    ),
)


def retention_outcome_name(check: str) -> str:
    return f"{RETENTION_PREFIX}{check}"


def lasting_outcome(name: str, protocol: Protocol) -> OutcomeSpec | None:
    """A balance or retention outcome the protocol can name, or None."""
    spec = next((spec for spec in BALANCE_OUTCOMES if spec.name == name), None)
    if spec is not None:
        return spec
    if name.startswith(RETENTION_PREFIX):
        check = protocol.retention.check(name.removeprefix(RETENTION_PREFIX))
        if check is not None:
            return OutcomeSpec(
                name,
                f"Still in the job or training {check.name} after its start",
                "binary",
                "jobsearch",
                f"events: work_kept (detail_check = {check.name}) after a job or training start",
            )
    return None


def lasting_outcome_names(protocol: Protocol) -> list[str]:
    names = [spec.name for spec in BALANCE_OUTCOMES]
    return names + [retention_outcome_name(check.name) for check in protocol.retention.checks]


def wave_times(schedule: Schedule) -> tuple[timedelta, ...]:
    """Every questionnaire wave's time after allocation: the survey times, then the follow-up
    times counted from the end of the intervention."""
    end = schedule.intervention_length
    after_end = tuple(end + t for t in schedule.follow_up_times) if end is not None else ()
    return (*schedule.survey_times, *after_end)


def intervention_end(schedule: Schedule, allocated_at: datetime | None) -> datetime | None:
    """When a person's intervention ends (None: it does not, or they were never allocated)."""
    if schedule.intervention_length is None or allocated_at is None:
        return None
    return allocated_at + schedule.intervention_length


def phase_at(schedule: Schedule, allocated_at: datetime | None, moment: datetime) -> Phase:
    """Whether `moment` falls in the person's intervention or in the follow-up after it."""
    end = intervention_end(schedule, allocated_at)
    return "follow_up" if end is not None and moment >= end else "intervention"


def lasting_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    """Where the end, the waves after it and the retention checks do not fit together."""
    schedule = protocol.schedule
    if schedule.follow_up_times and schedule.intervention_length is None:
        yield "schedule.follow_up_times", "needs schedule.intervention_length to count from"
    times = wave_times(schedule)
    for index in range(1, len(times)):
        if times[index] <= times[index - 1]:
            yield (
                "schedule.follow_up_times",
                "every follow-up wave must come after the survey waves before it",
            )
            break
    follow_ups = schedule.follow_up_times
    if any(later <= earlier for earlier, later in pairwise(follow_ups)):
        yield "schedule.follow_up_times", "must come after the wave before it"
