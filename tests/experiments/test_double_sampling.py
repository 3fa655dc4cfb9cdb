"""The double-sampling estimator (issue 29.4): where whether people answer depends on their own
outcome, differently by arm, the complete cases are biased and the non-responders followed up
by a person, weighted up, are not (a fixed seed)."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest

from bench.double_sampling_validity import SCENARIOS, run_double_sampling
from experiments.analysis.double_sampling import (
    arm_estimate,
    complete_case_contrast,
    double_sampling_contrast,
    double_sampling_frame,
    simulate_double_sampling,
)


def test_complete_cases_are_biased_and_double_sampling_is_not() -> None:
    data = simulate_double_sampling(np.random.default_rng(2029), 20_000, 0.0, 0.5)
    complete = complete_case_contrast(data, ["treatment"], ["control"])
    adjusted = double_sampling_contrast(data, ["treatment"], ["control"])
    assert complete.estimate is not None
    assert complete.se is not None
    assert adjusted.estimate is not None
    assert adjusted.se is not None
    assert abs(complete.estimate) > 3 * complete.se, "the complete cases miss the true 0"
    assert abs(adjusted.estimate) < 2 * adjusted.se
    assert adjusted.low is not None
    assert adjusted.high is not None
    assert adjusted.low < 0 < adjusted.high
    assert adjusted.se > complete.se, "following up a share costs precision"


def test_every_non_responder_answering_gives_each_the_weight_one_over_the_share() -> None:
    y = np.array([1.0, 2.0, 3.0, np.nan, 10.0, np.nan])
    non_responder = np.array([False, False, False, True, True, True])
    chosen = np.array([False, False, False, False, True, False])
    estimate = arm_estimate(y, non_responder, chosen)
    # 3 responders (mean 2) and 3 non-responders stood for by the one reached (10)
    assert estimate.mean == pytest.approx(0.5 * 2 + 0.5 * 10)
    assert (estimate.responders, estimate.non_responders, estimate.followed_up) == (3, 3, 1)


def test_no_answer_from_an_arms_followed_up_non_responders_is_no_estimate() -> None:
    y = np.array([1.0, 2.0, np.nan])
    estimate = arm_estimate(y, np.array([False, False, True]), np.array([False, False, True]))
    assert estimate.mean is None


def test_the_frame_reads_who_was_drawn_and_chosen_from_the_export() -> None:
    frame = pd.DataFrame(
        {
            "pseudonym": ["a", "b", "c"],
            "arm": ["control", "control", "treatment"],
            "followup1_gse": [2.0, None, 3.0],
        }
    )
    calls = pd.DataFrame(
        {"pseudonym": ["b", "c"], "wave": [1, 2], "draw": [0.1, 0.2], "selected": [True, True]}
    )
    data = double_sampling_frame(frame, calls, 1, "followup1_gse")
    assert data["non_responder"].tolist() == [False, True, False]
    assert data["chosen"].tolist() == [False, True, False]


def test_the_bench_prints_bias_coverage_and_rejection_for_both_estimates() -> None:
    lines = run_double_sampling(trials=20, seed=1, per_arm=100)
    rows = [line for line in lines[1:] if line.strip() and "trials per scenario" not in line]
    assert len(rows) == 2 * len(SCENARIOS)
    assert all(("complete cases" in r) != ("double sampling" in r) for r in rows)
