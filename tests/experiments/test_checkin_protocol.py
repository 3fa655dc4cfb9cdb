"""The protocol's `[checkin]`: two moments in the group's week, plan buttons per track, and the
checks `study check` makes before a study may ask its groups for plans."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from experiments.protocol import (
    Checkin,
    Component,
    PlanChoice,
    PlanKind,
    Protocol,
    ProtocolError,
    Track,
    summarize,
    validate_protocol,
)


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as raised:
        validate_protocol(data)
    return raised.value.problems


def test_the_shipped_peer_arm_asks_for_plans_and_shares_a_goal(study: Protocol) -> None:
    peer = study.arm("peer")
    assert peer.has(Component.CHECKIN)
    assert peer.has(Component.GROUP_GOAL)
    assert "Check-in (peer): plans asked monday 10:00, results friday 16:00" in summarize(study)


def test_the_moments_fall_on_local_time_in_winter_and_in_summer(study: Protocol) -> None:
    for moment, plan, review in (
        (datetime(2026, 1, 7, 12, tzinfo=UTC), (1, 5, 9), (1, 9, 15)),  # CET: UTC+1
        (datetime(2026, 7, 8, 12, tzinfo=UTC), (7, 6, 8), (7, 10, 14)),  # CEST: UTC+2
    ):
        week = study.group_week(moment)
        asked = study.checkin.moments(week, study.zone, study.schedule.week_starts)
        expected = tuple(datetime(2026, m, d, h, tzinfo=UTC) for m, d, h in (plan, review))
        assert asked == expected


def test_each_track_gets_its_own_plans_and_something_else() -> None:
    checkin = Checkin(save_euros=(5, 20), applications=(1, 3), interviews=(1,))
    assert checkin.choices(Track.SAVINGS) == (
        PlanChoice(PlanKind.SAVE, 500),
        PlanChoice(PlanKind.SAVE, 2000),
        PlanChoice(PlanKind.OTHER),
    )
    assert [c.kind for c in checkin.choices(Track.JOBSEARCH)] == [
        PlanKind.APPLY,
        PlanKind.APPLY,
        PlanKind.INTERVIEW,
        PlanKind.OTHER,
    ]
    assert not checkin.offers(Track.SAVINGS, PlanChoice(PlanKind.SAVE, 999_00))


def test_a_review_before_the_plan_is_refused(study_data: dict[str, Any]) -> None:
    study_data["checkin"]["review_day"] = "monday"
    study_data["checkin"]["review_time"] = "09:30"
    assert problems(study_data) == [
        "checkin.review_day: the review must come after the plan in the group's week, which "
        "starts on monday"
    ]


def test_a_moment_in_the_quiet_hours_is_refused(study_data: dict[str, Any]) -> None:
    study_data["checkin"]["plan_time"] = "07:00"
    assert problems(study_data) == ["checkin.plan_time: 07:00 is in the quiet hours"]


def test_a_check_in_needs_weeks_of_seven_days(study_data: dict[str, Any]) -> None:
    study_data["schedule"]["group_progress_interval"] = "P14D"
    assert problems(study_data) == [
        "schedule.group_progress_interval: must be 7 days when peer groups get the weekly "
        "check-in (checkin)"
    ]


def test_a_group_goal_without_plans_to_add_up_is_refused(study_data: dict[str, Any]) -> None:
    study_data["arms"][0]["components"].remove("checkin")
    [problem] = problems(study_data)
    assert problem.startswith("arms[0].components: group_goal needs checkin in the same arm")


def test_plan_buttons_are_listed_small_to_large_within_the_limits(
    study_data: dict[str, Any],
) -> None:
    unordered = {**study_data, "checkin": {**study_data["checkin"], "save_euros": [25, 10]}}
    too_many = {**study_data, "checkin": {**study_data["checkin"], "applications": [1, 2, 3, 4]}}
    too_large = {**study_data, "checkin": {**study_data["checkin"], "applications": [21]}}
    assert problems(unordered) == [
        "checkin.save_euros: must be listed from small to large, each once"
    ]
    assert problems(too_many) == [
        "checkin.applications: offer at most 4 plan buttons together with interviews"
    ]
    assert problems(too_large) == [
        "checkin.applications: more than limits.max_applications_per_log"
    ]


def test_a_study_without_the_check_in_is_not_held_to_its_moments(
    study_data: dict[str, Any],
) -> None:
    study_data["arms"][0]["components"] = ["peer_group", "group_progress", "curriculum"]
    study_data["checkin"]["plan_time"] = "03:00"
    protocol = validate_protocol(study_data)
    assert "Check-in" not in summarize(protocol)
