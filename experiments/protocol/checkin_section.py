"""The weekly check-in of peer groups (components `checkin` and `group_goal`): when the group is
asked for its plans and whether they worked out, and which plans its buttons offer.

The review the project builds on (Lub 2023, §3.3-3.4) names the ingredient: groups that work
together on concrete goals ("samenwerking aan gerichte doelen", De Raaf) and tie those goals to
concrete activities (Stokken) do better than a group merely put together. So each week a group
with `checkin` is asked what each member will do (a plan), and later whether it worked out; a
group with `group_goal` also gets one shared target, the sum of its members' plans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from experiments.protocol.errors import problem
from experiments.protocol.sections import Component, Track
from experiments.records import WEEKDAYS, Weekday, Window

if TYPE_CHECKING:
    # document.py holds this section, so the model is imported for type checking only.
    from experiments.protocol.document import Protocol

__all__ = [
    "Checkin",
    "PlanChoice",
    "PlanKind",
    "ReviewResult",
    "checkin_problems",
    "describe_checkin",
    "uses_checkin",
]

MAX_CHOICES = 4  # per track, before "something else": a row of buttons a cheap phone shows whole
_WEEK = timedelta(days=7)


class PlanKind(StrEnum):
    """What a member plans for the week."""

    SAVE = "save"  # put money aside: amount in cents
    APPLY = "apply"  # send applications: amount is how many
    INTERVIEW = "interview"  # go to interviews: amount is how many
    OTHER = "other"  # something else (no amount; the group may hear about it in the chat)


class ReviewResult(StrEnum):
    """The answer to "did it work out?" at the end of the week."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


@dataclass(frozen=True, slots=True)
class PlanChoice:
    """One plan button: its kind and amount (cents to save, or how many steps; 0 for other)."""

    kind: PlanKind
    amount: int = 0

    @property
    def goal_units(self) -> int:
        """What the plan adds to a group goal: cents (savers) or steps (jobseekers)."""
        return 0 if self.kind is PlanKind.OTHER else self.amount


class Checkin(BaseModel):
    """When peer groups with `checkin` are asked for plans and results, and the plan buttons.

    Both moments fall in the group's week (`schedule.week_starts`, study time zone).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan_day: Weekday = "monday"
    plan_time: time = time(10, 0)
    review_day: Weekday = "friday"
    review_time: time = time(16, 0)
    # the plan buttons of savings groups: whole euros to put aside this week
    save_euros: tuple[int, ...] = Field(default=(10, 25), min_length=1, max_length=MAX_CHOICES)
    # the plan buttons of job-search groups: applications to send, interviews to go to
    applications: tuple[int, ...] = (2,)
    interviews: tuple[int, ...] = (1,)

    @field_validator("plan_time", "review_time")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise problem("give a local time without an offset; the study's time zone applies")
        return value

    @field_validator("save_euros", "applications", "interviews")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(number < 1 for number in value):
            raise problem("each must be a whole number of at least 1")
        if list(value) != sorted(set(value)):
            raise problem("must be listed from small to large, each once")
        return value

    @model_validator(mode="after")
    def _jobseekers_choose(self) -> Self:
        steps = len(self.applications) + len(self.interviews)
        if not steps:
            raise problem("job-search groups need at least one plan button", "applications")
        if steps > MAX_CHOICES:
            raise problem(
                f"offer at most {MAX_CHOICES} plan buttons together with interviews",
                "applications",
            )
        return self

    def choices(self, track: Track) -> tuple[PlanChoice, ...]:
        """The plan buttons of a group of `track`, in order, "something else" last."""
        if track == Track.SAVINGS:
            offered = [PlanChoice(PlanKind.SAVE, euros * 100) for euros in self.save_euros]
        else:
            offered = [PlanChoice(PlanKind.APPLY, count) for count in self.applications]
            offered += [PlanChoice(PlanKind.INTERVIEW, count) for count in self.interviews]
        return (*offered, PlanChoice(PlanKind.OTHER))

    def offers(self, track: Track, choice: PlanChoice) -> bool:
        """Whether a group of `track` is offered this plan (a forged button is not)."""
        return choice in self.choices(track)

    def moments(self, week: Window, zone: ZoneInfo, starts: Weekday) -> tuple[datetime, datetime]:
        """When the plan prompt and the review prompt of the group week `week` are due (UTC)."""
        assert week.start is not None
        first = week.start.astimezone(zone).date()
        return (
            _moment(first, starts, self.plan_day, self.plan_time, zone),
            _moment(first, starts, self.review_day, self.review_time, zone),
        )


def _offset(starts: Weekday, day: Weekday, at: time) -> timedelta:
    """How far into a week starting on `starts` the local moment `day` `at` lies."""
    days = (WEEKDAYS.index(day) - WEEKDAYS.index(starts)) % 7
    return timedelta(days=days, hours=at.hour, minutes=at.minute, seconds=at.second)


def _moment(first: date, starts: Weekday, day: Weekday, at: time, zone: ZoneInfo) -> datetime:
    local_day = first + timedelta(days=(WEEKDAYS.index(day) - WEEKDAYS.index(starts)) % 7)
    return datetime.combine(local_day, at, zone).astimezone(UTC)


def uses_checkin(protocol: Protocol) -> bool:
    """Whether any peer group of this study can get the check-in (by arm or by draw)."""
    drawn = protocol.group_factorial.factors if protocol.group_factorial is not None else ()
    return bool(protocol.arms_with(Component.CHECKIN)) or Component.CHECKIN in drawn


def checkin_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    """What makes the check-in settings unusable for this protocol (for `study check`)."""
    drawn = protocol.group_factorial.factors if protocol.group_factorial is not None else ()
    for index, arm in enumerate(protocol.arms):
        goal = arm.has(Component.GROUP_GOAL) or (
            Component.GROUP_GOAL in drawn and arm.has(Component.PEER_GROUP)
        )
        if goal and not arm.has(Component.CHECKIN):
            yield (
                f"arms[{index}].components",
                "group_goal needs checkin in the same arm (the goal is the sum of the members' "
                "plans, so every group with a goal must be asked for plans)",
            )
    if not uses_checkin(protocol):
        return
    checkin, schedule = protocol.checkin, protocol.schedule
    if schedule.group_progress_interval != _WEEK:
        yield (
            "schedule.group_progress_interval",
            "must be 7 days when peer groups get the weekly check-in (checkin)",
        )
    plan = _offset(schedule.week_starts, checkin.plan_day, checkin.plan_time)
    review = _offset(schedule.week_starts, checkin.review_day, checkin.review_time)
    if review <= plan:
        yield (
            "checkin.review_day",
            f"the review must come after the plan in the group's week, which starts on "
            f"{schedule.week_starts}",
        )
    for name, moment in (("plan_time", checkin.plan_time), ("review_time", checkin.review_time)):
        if protocol.quiet_hours.contains(moment):
            yield f"checkin.{name}", f"{moment:%H:%M} is in the quiet hours"
    if max(checkin.save_euros) * 100 > protocol.limits.max_deposit_cents:
        yield "checkin.save_euros", "more than limits.max_deposit_cents allows in one deposit"
    counts = (*checkin.applications, *checkin.interviews)
    if max(counts) > protocol.limits.max_applications_per_log:
        yield "checkin.applications", "more than limits.max_applications_per_log"


def describe_checkin(protocol: Protocol) -> list[str]:
    """The check-in's line for `study check` (none when no group gets it)."""
    if not uses_checkin(protocol):
        return []
    checkin = protocol.checkin
    arms = ", ".join(protocol.arms_with(Component.CHECKIN)) or "drawn by group"
    goal = ", ".join(protocol.arms_with(Component.GROUP_GOAL)) or "no arm"
    savings = ", ".join(f"€{euros}" for euros in checkin.save_euros)
    steps = [f"{n} application(s)" for n in checkin.applications]
    steps += [f"{n} interview(s)" for n in checkin.interviews]
    return [
        f"Check-in ({arms}): plans asked {checkin.plan_day} {checkin.plan_time:%H:%M}, results "
        f"{checkin.review_day} {checkin.review_time:%H:%M} ({protocol.study.timezone}); group "
        f"goal (sum of the plans): {goal}",
        f"  plan buttons: savers {savings}; jobseekers {', '.join(steps)}; and something else",
    ]
