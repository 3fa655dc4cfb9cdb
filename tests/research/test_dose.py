"""Dose per arm and per peer group, counted from a hand-built set of events with known numbers;
the cost per participant and per extra unit of the primary outcome; the export's dose tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pytest

from experiments.analysis.contrasts import Result
from experiments.analysis.dose import (
    ArmCost,
    arm_costs,
    cost_per_extra_unit,
    dose_by_arm,
    dose_by_group,
)
from experiments.outputs.codebook import build_codebook
from experiments.outputs.dose_export import dose_tables
from experiments.protocol import Costs, CounsellorMinutes, OutcomeSpec

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)  # a Monday, 10:00: the check-in week starts
AS_OF = T0 + timedelta(days=21)
ARMS = ("control", "attention", "peer")


def at(days: float) -> pd.Timestamp:
    return pd.Timestamp(T0 + timedelta(days=days))


def event(who: str, kind: str, days: float, **detail: Any) -> dict[str, Any]:
    return {
        "pseudonym": who,
        "kind": kind,
        "occurred_at": at(days),
        **{f"detail_{key}": value for key, value in detail.items()},
    }


def trial_tables() -> dict[str, pd.DataFrame]:
    """Two control, one attention and three peer participants in two groups."""
    people = {"c1": "control", "c2": "control", "a1": "attention", "p1": "peer", "p2": "peer"}
    people["p3"] = "peer"
    events = [
        # group messages: two by p1 and one by p2 in group 1, one by p3 in group 2
        event("p1", "group_message", 1, group=1),
        event("p1", "group_message", 2, group=1),
        event("p2", "group_message", 2, group=1),
        event("p3", "group_message", 8, group=2),
        # check-ins: p1 changes their plan in week 1 (one member-week) and plans in week 2;
        # p2 plans in week 1; p1 answers the review twice in week 1 (changed: one)
        event("p1", "checkin_plan", 0.1, plan="apply"),
        event("p1", "checkin_plan", 0.2, plan="save"),
        event("p1", "checkin_plan", 7.5, plan="apply"),
        event("p2", "checkin_plan", 1, plan="apply"),
        event("p1", "checkin_review", 4, result="yes"),
        event("p1", "checkin_review", 4.1, result="partly"),
        # questions: p1's ticket 7 answered after 2 h, then again (not its first answer);
        # p2's ticket 8 after 1 h; a1's ticket 9 never answered
        event("p1", "ticket_opened", 3, ticket=7),
        event("p1", "ticket_answered", 3.1, ticket=7, answer=1, wait_s=7200),
        event("p1", "ticket_answered", 4, ticket=7, answer=2, wait_s=90_000),
        event("p2", "ticket_opened", 5, ticket=8),
        event("p2", "ticket_answered", 5.1, ticket=8, answer=1, wait_s=3600),
        event("a1", "ticket_opened", 6, ticket=9),
        # outreach (issue 27.1's kinds, by name): two sent to a1, one answered
        event("a1", "outreach_sent", 1),
        event("a1", "outreach_sent", 8),
        event("a1", "outreach_answered", 8.2),
        # outcomes are not dose
        event("c1", "deposit", 1),
    ]
    messages = [
        ("c1", "reminder", "sent"),
        ("c1", "reminder", "failed"),
        ("c2", "reminder", "pending"),
        ("a1", "private_curriculum", "sent"),
        ("a1", "ticket_answer", "cancelled"),
        ("p1", "ticket_answer", "sent"),
        ("p2", "ticket_answer", "sent"),
        ("p3", "pool_update", "sent"),
    ]
    group_events = [(1, "counsellor_post"), (1, "counsellor_post"), (1, "counsellor_answer")]
    group_events += [(1, "digest_sent"), (2, "counsellor_post")]
    return {
        "participants": pd.DataFrame({"pseudonym": list(people), "arm": list(people.values())}),
        "events": pd.DataFrame(events),
        "messages": pd.DataFrame(messages, columns=["pseudonym", "kind", "status"]),
        "groups": pd.DataFrame(
            {
                "group_id": [1, 2],
                "arm": ["peer", "peer"],
                "curriculum_week": [4, 1],
                "formed_at": [at(0), at(7)],
                "closed_at": [pd.NaT, pd.NaT],
            }
        ),
        "memberships": pd.DataFrame(
            {
                "pseudonym": ["p1", "p2", "p3"],
                "group_id": [1, 1, 2],
                "status": ["joined", "joined", "assigned"],
            }
        ),
        "group_events": pd.DataFrame(group_events, columns=["group_id", "kind"]),
        "group_weeks": pd.DataFrame(
            {
                "group_id": [1, 1],
                "week_start": [at(0), at(7)],
                "plan_posted_at": [at(0), at(7)],
                "review_posted_at": [at(4), pd.NaT],
            }
        ),
    }


def test_dose_per_arm_counts_what_each_arm_received_and_did() -> None:
    control, attention, peer = dose_by_arm(trial_tables(), ARMS, AS_OF)
    assert (control.participants, attention.participants, peer.participants) == (2, 1, 3)
    # delivered: handed to Telegram only (failed, pending and cancelled are not)
    assert (control.messages_delivered, attention.messages_delivered) == (1, 1)
    assert peer.messages_delivered == 3
    assert control.per_participant(control.messages_delivered) == 0.5
    assert (attention.topics_private, peer.topics_private, peer.topics_in_groups) == (1, 0, 3)
    # member-weeks: p1 week 1 and week 2, p2 week 1; one review (changed answers count once)
    assert (peer.checkin_plans, peer.checkin_reviews, peer.checkin_prompts) == (3, 1, 3)
    assert (peer.member_messages, peer.counsellor_posts, peer.digests) == (4, 3, 1)
    assert (peer.questions, peer.questions_answered, peer.answers) == (2, 2, 3)
    assert peer.median_answer_hours == pytest.approx(1.5)  # first answers: 2 h and 1 h
    assert (attention.questions, attention.questions_answered) == (1, 0)
    assert attention.median_answer_hours is None
    assert (attention.outreach_sent, attention.outreach_answered) == (2, 1)
    assert peer.group_weeks == pytest.approx(3 + 2)  # formed at day 0 and day 7, 21 days on
    for zero in ("member_messages", "checkin_plans", "questions", "outreach_sent"):
        assert getattr(control, zero) == 0


def test_dose_per_group_keeps_each_group_apart() -> None:
    first, second = dose_by_group(trial_tables(), AS_OF)
    assert (first.group_id, first.members, first.joined, first.weeks) == (1, 2, 2, 3.0)
    assert (first.topics, first.checkin_prompts, first.checkin_plans) == (3, 3, 3)
    assert (first.checkin_reviews, first.member_messages) == (1, 3)
    assert (first.counsellor_posts, first.counsellor_answers, first.digests) == (2, 1, 1)
    assert (second.members, second.joined, second.topics, second.checkin_prompts) == (1, 0, 0, 0)
    assert (second.member_messages, second.counsellor_posts, second.weeks) == (1, 1, 2.0)


def test_a_trial_without_groups_or_outreach_counts_zero() -> None:
    tables = trial_tables()
    tables["events"] = tables["events"][tables["events"]["kind"] != "outreach_sent"]
    for name in ("groups", "memberships", "group_events", "group_weeks"):
        del tables[name]
    assert dose_by_group(tables, AS_OF) == []
    _, attention, peer = dose_by_arm(tables, ARMS, AS_OF)
    assert (attention.outreach_sent, peer.topics_in_groups, peer.counsellor_posts) == (0, 0, 0)
    assert peer.checkin_plans == 3  # calendar weeks without group weeks


COSTS = Costs(
    counsellor_hour_eur=60,
    per_participant_fixed_eur=10,
    minutes=CounsellorMinutes(answer=6, group_post=4, digest=10, outreach=6, group_week=15),
)


def test_cost_per_participant_adds_counsellor_time_to_the_fixed_cost() -> None:
    control, attention, peer = arm_costs(dose_by_arm(trial_tables(), ARMS, AS_OF), COSTS)
    assert (control.counsellor_hours, control.total_eur, control.per_participant_eur) == (0, 20, 10)
    # two outreach messages: 12 minutes at €60 an hour, plus €10
    assert attention.per_participant_eur == pytest.approx(22)
    # 3 answers × 6 + 3 posts × 4 + 1 digest × 10 + 5 group weeks × 15 = 115 minutes
    assert peer.counsellor_hours == pytest.approx(115 / 60)
    assert peer.total_eur == pytest.approx(115 + 30)
    assert peer.per_participant_eur == pytest.approx(145 / 3)


def primary(estimate: float | None, kind: str = "count", contrast: str = "peer vs control") -> Any:
    spec = OutcomeSpec("deposits", "Deposits", kind, None, "deposit")  # type: ignore[arg-type]
    return Result(spec, contrast, "primary", "ITT", True, (30, 20), (0.3, 0.2), estimate)


BY_ARM = {
    "control": ArmCost("control", 20, 0, 200, 10),
    "peer": ArmCost("peer", 30, 20, 1650, 55),
}
TEN_WEEKS = timedelta(weeks=10)


def test_cost_per_extra_deposit_divides_extra_cost_by_the_extra_the_estimate_implies() -> None:
    # RR 1.5 on a control rate of 0.2 a week over 10 weeks: 1 extra deposit per participant
    found = cost_per_extra_unit(primary(1.5), BY_ARM, TEN_WEEKS)
    assert found.extra_cost_eur == pytest.approx(45)
    assert found.extra_units == pytest.approx(1.0)
    assert found.per_unit_eur == pytest.approx(45)
    assert found.not_estimable is None
    # a risk ratio on the comparator's share; a difference as it is
    assert cost_per_extra_unit(primary(2.0, "binary"), BY_ARM, TEN_WEEKS).per_unit_eur == 225
    assert cost_per_extra_unit(primary(9.0, "money"), BY_ARM, TEN_WEEKS).per_unit_eur == 5


@pytest.mark.parametrize(
    ("estimate", "contrast", "reason"),
    [
        (1.0, "peer vs control", "the effect is not positive"),
        (0.8, "peer vs control", "the effect is not positive"),
        (None, "peer vs control", "no estimate of the effect"),
        (1.5, "text vs control", "not a contrast of two arms"),
        (1.5, "control vs peer", "the effect is not positive"),
    ],
)
def test_cost_per_extra_unit_is_not_estimable_without_a_positive_effect(
    estimate: float | None, contrast: str, reason: str
) -> None:
    found = cost_per_extra_unit(primary(estimate, contrast=contrast), BY_ARM, TEN_WEEKS)
    if contrast == "control vs peer":  # a cheaper arm that does better: no cost per unit
        assert found.not_estimable == "costs less than its comparator and does better"
        return
    assert found.per_unit_eur is None
    assert found.not_estimable == reason


def test_the_export_has_dose_tables_with_codebook_entries() -> None:
    tables = trial_tables()
    tables |= dose_tables(tables, None, AS_OF)
    by_arm = tables["dose_by_arm"].set_index("arm")
    assert list(by_arm.index) == ["attention", "control", "peer"]
    assert by_arm.loc["peer", "member_messages"] == 4
    assert tables["dose_by_group"]["group_id"].tolist() == [1, 2]
    dose = {"dose_by_arm": tables["dose_by_arm"], "dose_by_group": tables["dose_by_group"]}
    for variable in build_codebook(dose):
        assert variable.label, variable.name
        assert variable.label != variable.name, variable.name


def test_a_group_without_an_arm_column_takes_its_members_arm() -> None:
    tables = trial_tables()
    tables["groups"] = tables["groups"].drop(columns=["arm"])
    assert [g.arm for g in dose_by_group(tables, AS_OF)] == ["peer", "peer"]
    *_, peer = dose_by_arm(tables, ARMS, AS_OF)
    assert peer.counsellor_posts == 3


def test_an_empty_trial_has_empty_dose_tables_with_their_columns() -> None:
    empty = {name: frame.iloc[0:0] for name, frame in trial_tables().items()}
    found = dose_tables(empty, None, AS_OF)
    assert found["dose_by_arm"].empty
    assert "messages_delivered" in found["dose_by_arm"].columns
    assert "counsellor_posts" in found["dose_by_group"].columns


def test_an_arm_at_no_extra_cost_costs_nothing_per_extra_unit() -> None:
    free = {**BY_ARM, "peer": ArmCost("peer", 30, 0, 300, 10)}
    found = cost_per_extra_unit(primary(1.5), free, TEN_WEEKS)
    assert (found.extra_cost_eur, found.per_unit_eur, found.not_estimable) == (0, 0, None)
