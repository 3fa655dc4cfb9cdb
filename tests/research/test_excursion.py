"""The causal excursion effect: EMEE and WCLS recover effects planted in decision tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest

from experiments.micro.excursion import analyse_decisions, randomization_check
from experiments.micro.simulate import MrtDesign, excursion_validity, simulate_decisions


def test_emee_recovers_a_planted_relative_risk_of_1_5() -> None:
    design = MrtDesign(participants=400, rr=1.5, decay=0.0)
    frame = simulate_decisions(design, np.random.default_rng(7))
    result = analyse_decisions(frame, "binary", ("week", "prior_outcome"))
    ratio, low, high = result.marginal.ratio()
    assert result.method == "EMEE"
    assert low < 1.5 < high
    assert abs(ratio - 1.5) < 0.1
    assert result.per_week.low < 0 < result.per_week.high  # no decay was planted


def test_emee_sees_no_effect_where_none_was_planted() -> None:
    frame = simulate_decisions(MrtDesign(participants=300).null(), np.random.default_rng(3))
    result = analyse_decisions(frame, "binary")
    assert result.marginal.low < 0 < result.marginal.high
    assert abs(result.marginal.estimate) < 0.1


def test_wcls_recovers_a_planted_difference_on_a_count_outcome() -> None:
    rng = np.random.default_rng(11)
    frame = simulate_decisions(MrtDesign(participants=200), rng)
    person = rng.normal(0, 1, 200)[frame["participant"]]
    # Half a deposit more after a nudge, 0.1 less each week after the first.
    effect = 0.5 - 0.1 * (frame["week"] - 1)
    frame["outcome"] = 2 + person + effect * frame["sent"] + rng.normal(0, 1, len(frame))
    result = analyse_decisions(frame, "count", ("week",))
    assert result.method == "WCLS"
    assert result.week_one.low < 0.5 < result.week_one.high
    assert result.per_week.low < -0.1 < result.per_week.high
    assert abs(result.week_one.estimate - 0.5) < 0.1


def test_availability_and_the_share_sent_are_reported_per_week() -> None:
    frame = simulate_decisions(MrtDesign(participants=100), np.random.default_rng(5))
    result = analyse_decisions(frame, "binary")
    assert 0.75 < result.availability_rate < 0.85
    assert list(result.by_week["planned"]) == [0.6, 0.6, 0.5, 0.5, 0.4, 0.4]
    assert result.check.p_value > 0.01


def test_a_sender_that_ignores_the_draws_fails_the_randomization_check() -> None:
    frame = pd.DataFrame({"probability": [0.5] * 400, "sent": [True] * 260 + [False] * 140})
    check = randomization_check(frame)
    assert math.isclose(check.realised_share, 0.65)
    assert check.p_value < 0.001
    fair = pd.DataFrame({"probability": [0.5] * 400, "sent": [True] * 205 + [False] * 195})
    assert randomization_check(fair).p_value > 0.3


def test_a_small_validity_run_recovers_the_simulated_effect() -> None:
    rows = excursion_validity(MrtDesign(), trials=40, seed=2026)
    assert [row.term for row in rows] == ["marginal", "week 1", "change per week"]
    for row in rows:
        assert row.bias_ok, row
        assert row.coverage_ok, row
    null = excursion_validity(MrtDesign().null(), trials=40, seed=2027, scenario="null")
    assert all(row.type_one_ok for row in null)


def test_a_small_wcls_validity_run_recovers_a_simulated_difference() -> None:
    design = MrtDesign(scale="continuous")
    rows = excursion_validity(design, trials=40, seed=2028)
    assert [round(row.truth, 4) for row in rows[1:]] == [0.3, -0.03]
    for row in rows:
        assert row.bias_ok, row
        assert row.coverage_ok, row


def _two_weeks(rng: np.random.Generator, people: int = 4000) -> pd.DataFrame:
    """Week 1 sends with probability 0.9 and the nudge does nothing; week 2 sends with 0.5 and
    the nudge adds one. Equal numbers of available decisions in each week."""
    week = np.repeat([[1, 2]], people, axis=0).ravel()
    probability = np.where(week == 1, 0.9, 0.5)
    sent = rng.random(len(week)) < probability
    effect = np.where(week == 1, 0.0, 1.0)
    outcome = 0.3 * (week - 1) + effect * sent + rng.normal(0, 0.5, len(week))
    return pd.DataFrame(
        {
            "participant": np.repeat(np.arange(people), 2),
            "week": week,
            "available": True,
            "probability": probability,
            "sent": sent,
            "outcome": outcome,
        }
    )


def test_a_constant_numerator_probability_weighs_every_week_alike() -> None:
    frame = _two_weeks(np.random.default_rng(21))

    own = analyse_decisions(frame, "count", ("week",))
    explicit = analyse_decisions(frame, "count", ("week",), numerator=None)
    tilde = analyse_decisions(frame, "count", ("week",), numerator=0.5)

    # p-tilde = p weighs each week by p(1 - p): 0.09 and 0.25, so the marginal effect is
    # 0.25 / 0.34 = 0.735; a constant p-tilde gives the plain average over weeks, 0.5.
    assert own.marginal.estimate == explicit.marginal.estimate
    assert abs(own.marginal.estimate - 0.25 / 0.34) < 0.05
    assert abs(tilde.marginal.estimate - 0.5) < 0.05
    assert tilde.marginal.low < 0.5 < tilde.marginal.high


def test_emee_with_a_constant_numerator_probability_recovers_a_constant_relative_risk() -> None:
    design = MrtDesign(participants=400, rr=1.5, decay=0.0)
    frame = simulate_decisions(design, np.random.default_rng(7))

    result = analyse_decisions(frame, "binary", ("week", "prior_outcome"), numerator=0.5)

    ratio, low, high = result.marginal.ratio()
    assert low < 1.5 < high
    assert abs(ratio - 1.5) < 0.1


def test_a_numerator_probability_outside_zero_and_one_is_refused() -> None:
    frame = _two_weeks(np.random.default_rng(2), people=50)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        analyse_decisions(frame, "binary", numerator=1.0)
