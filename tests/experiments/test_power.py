"""Sample sizes per arm match Cohen's table; corrections for many arms and for clustering."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.analysis import achieved_power, format_power, participants_per_arm


@pytest.mark.parametrize(
    ("effect_size", "per_arm"), [(0.2, 394), (0.3, 176), (0.4, 100), (0.5, 64), (0.8, 26)]
)
def test_two_arms_match_cohens_table_rounded_up(effect_size: float, per_arm: int) -> None:
    assert participants_per_arm(effect_size).per_arm == per_arm


def test_small_effect_reports_the_exact_value() -> None:
    assert participants_per_arm(0.2).exact_per_arm == pytest.approx(393.4, abs=0.05)


def test_total_counts_every_arm() -> None:
    assert participants_per_arm(0.5, arms=3).total == 3 * participants_per_arm(0.5, arms=3).per_arm


def test_three_arms_split_alpha_over_two_comparisons() -> None:
    result = participants_per_arm(0.5, arms=3)
    assert result.alpha_per_comparison == pytest.approx(0.025)
    assert result.per_arm == 78


def test_bonferroni_is_named_in_the_text() -> None:
    assert "Bonferroni correction over 2 comparisons" in format_power(
        participants_per_arm(0.5, arms=3)
    )


def test_clustered_arms_are_multiplied_by_the_design_effect() -> None:
    result = participants_per_arm(0.5, icc=0.05, cluster_size=12)
    assert result.design_effect == pytest.approx(1.55)
    assert result.per_arm == 99  # 63.77 × 1.55 = 98.8, rounded up
    assert result.clusters_per_arm == 9


def test_unclustered_result_has_no_groups() -> None:
    assert participants_per_arm(0.5).clusters_per_arm is None


def test_text_gives_the_exact_and_the_rounded_number() -> None:
    text = format_power(participants_per_arm(0.2))
    assert "393.4 per arm (exact)" in text
    assert "394 per arm (rounded up), 788 in total" in text


def test_sixty_four_per_arm_give_eighty_percent_power() -> None:
    assert achieved_power(64, 0.5) == pytest.approx(0.80, abs=0.01)


@given(st.integers(2, 2_000), st.floats(0.05, 1.5))
def test_power_grows_with_the_sample(n_per_arm: int, effect_size: float) -> None:
    assert achieved_power(n_per_arm + 10, effect_size) >= achieved_power(n_per_arm, effect_size)


def test_design_effect_lowers_achieved_power() -> None:
    assert achieved_power(100, 0.4, design_effect=1.5) < achieved_power(100, 0.4)


@pytest.mark.parametrize(
    "arguments",
    [
        {"effect_size": 0},
        {"effect_size": 0.5, "alpha": 1.2},
        {"effect_size": 0.5, "power": 1},
        {"effect_size": 0.5, "arms": 1},
        {"effect_size": 0.5, "icc": -0.1},
        {"effect_size": 0.5, "cluster_size": 0},
    ],
    ids=lambda arguments: ",".join(arguments),
)
def test_impossible_inputs_are_refused(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each input has its own message
        participants_per_arm(**arguments)
