"""ITT estimates, ICC, sample ratio and flow on simulated trials with a known truth."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest

from experiments import analysis as an
from experiments.allocation import Pseudonymizer
from experiments.outputs import SimulatedTrial, TrialSettings, build_tables, simulate_trial
from experiments.protocol import load_protocol, validate_protocol
from tests.experiments.shipped import FACTORIAL_FILE, STUDY_FILE

DESIGN = an.Design.from_protocol(load_protocol(STUDY_FILE))


def estimates_for(sim: SimulatedTrial) -> list[an.Estimate]:
    tables = build_tables(sim.raw, Pseudonymizer("analysis-key"))
    return an.itt_estimates(an.per_participant(tables, DESIGN, sim.raw.as_of), DESIGN)


def truth(sim: SimulatedTrial, estimate: an.Estimate) -> float:
    if estimate.outcome.model == "count":
        return sim.rate_ratio(estimate.arm)
    return sim.saved_difference(estimate.arm)


def null(estimate: an.Estimate) -> float:
    return 1.0 if estimate.outcome.model == "count" else 0.0


def covers(estimate: an.Estimate, value: float) -> bool:
    assert estimate.low is not None
    assert estimate.high is not None
    return estimate.low <= value <= estimate.high


def test_a_large_effect_is_found_within_its_ci_of_the_truth() -> None:
    settings = TrialSettings(
        participants=600, effects={"peer": 2.0, "text": 1.6}, grouped_arms=("peer",), seed=1
    )
    sim = simulate_trial(settings)
    estimates = estimates_for(sim)
    assert len(estimates) == 6
    for estimate in estimates:
        assert estimate.estimate is not None, estimate.not_estimable
        assert covers(estimate, truth(sim, estimate)), estimate
        assert not covers(estimate, null(estimate)), estimate


def test_without_an_effect_every_ci_covers_the_null() -> None:
    sim = simulate_trial(TrialSettings(participants=600, grouped_arms=("peer",), seed=1))
    for estimate in estimates_for(sim):
        assert covers(estimate, null(estimate)), estimate


def test_the_peer_arm_is_clustered_by_group_and_reports_its_icc() -> None:
    settings = TrialSettings(participants=450, grouped_arms=("peer",), group_sd=0.5, seed=3)
    estimates = estimates_for(simulate_trial(settings))
    peer = [e for e in estimates if e.arm == "peer"]
    text = [e for e in estimates if e.arm == "text"]
    assert all(e.clusters is not None and e.icc is not None for e in peer)
    assert all(e.clusters is None and e.icc is None for e in text)
    assert max(e.icc or 0.0 for e in peer) > 0.05


def test_icc_recovers_a_known_value() -> None:
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(300), 20)
    values = rng.normal(0, 1, 300)[groups] + rng.normal(0, 1, len(groups))
    assert an.icc(values, groups) == pytest.approx(0.5, abs=0.06)


def test_icc_needs_two_groups_of_two() -> None:
    assert an.icc([1.0, 2.0, 3.0], [1, 1, 1]) is None
    assert an.icc([1.0, 2.0, 3.0], [1, 2, 3]) is None


@pytest.mark.parametrize("participants", [0, 1, 3, 6])
def test_tiny_trials_say_there_is_too_little_data(participants: int) -> None:
    sim = simulate_trial(TrialSettings(participants=participants, seed=2, not_allocated_share=0))
    for estimate in estimates_for(sim):
        assert estimate.estimate is None
        assert estimate.not_estimable is not None


def test_an_arm_without_events_is_not_estimable_rather_than_infinite() -> None:
    settings = TrialSettings(participants=120, effects={"text": 0.0}, seed=4)
    estimates = estimates_for(simulate_trial(settings))
    deposits = next(e for e in estimates if e.arm == "text" and e.outcome.name == "deposits")
    assert deposits.estimate is None
    assert "no deposits" in str(deposits.not_estimable)


def test_the_sample_ratio_check_flags_missing_participants() -> None:
    tables = build_tables(simulate_trial(TrialSettings(participants=900)).raw, Pseudonymizer("k"))
    balanced = an.sample_ratio(tables, DESIGN)
    people = tables["participants"]
    drop = people.index[people["arm"] == "control"][:150]
    skewed = an.sample_ratio({**tables, "participants": people.drop(drop)}, DESIGN)
    assert not balanced.mismatch
    assert skewed.mismatch
    assert skewed.p_value is not None
    assert skewed.p_value < an.SRM_THRESHOLD


def test_the_sample_ratio_check_needs_five_expected_per_arm() -> None:
    tables = build_tables(simulate_trial(TrialSettings(participants=9)).raw, Pseudonymizer("k"))
    result = an.sample_ratio(tables, DESIGN)
    assert result.p_value is None
    assert "too little data" in result.note


def test_the_control_is_the_arm_without_components() -> None:
    assert DESIGN.control == "control"
    assert an.Design.from_protocol(load_protocol(FACTORIAL_FILE)).control == "control"


def test_without_a_bare_arm_the_last_arm_is_control() -> None:
    data = tomllib.loads(STUDY_FILE.read_text(encoding="utf-8"))
    data["arms"][2]["components"] = ["reminder"]
    design = an.Design.from_protocol(validate_protocol(data))
    assert design.control == "control"
    assert "last arm" in design.control_reason
    data["arms"] = [data["arms"][2], data["arms"][1], data["arms"][0]]
    assert an.Design.from_protocol(validate_protocol(data)).control == "peer"


def test_the_flow_counts_everyone_once() -> None:
    sim = simulate_trial(TrialSettings(participants=300, grouped_arms=("peer",), seed=8))
    tables = build_tables(sim.raw, Pseudonymizer("k"))
    flow = an.flow(tables, DESIGN)
    people = tables["participants"]
    assert flow.enrolled == len(people)
    assert sum(flow.not_allocated.values()) + sum(a.allocated for a in flow.arms) == len(people)
    peer = next(a for a in flow.arms if a.arm == "peer")
    assert peer.groups is not None
    assert peer.groups.assigned == peer.allocated
    assert all(a.groups is None for a in flow.arms if a.arm != "peer")


def test_outcomes_count_only_what_happened_after_allocation() -> None:
    sim = simulate_trial(TrialSettings(participants=60, seed=9))
    tables = build_tables(sim.raw, Pseudonymizer("k"))
    person = tables["participants"].dropna(subset=["arm"]).query("track == 'savings'").iloc[0]
    early = pd.DataFrame(
        {
            "pseudonym": [person["pseudonym"]],
            "event_id": [10_000],
            "kind": ["deposit"],
            "amount_cents": pd.array([99_900], dtype="Int64"),
            "quantity": pd.array([None], dtype="Int64"),
            "occurred_at": [person["allocated_at"] - timedelta(hours=1)],
        }
    )
    before = an.per_participant(tables, DESIGN, sim.raw.as_of)
    events = pd.concat([tables["events"], early], ignore_index=True)
    after = an.per_participant({**tables, "events": events}, DESIGN, sim.raw.as_of)
    assert before["saved_eur"].sum() == after["saved_eur"].sum()
