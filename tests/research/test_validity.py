"""A small run of bench/validity.py: a broken estimator shows up as lost coverage or size."""

from __future__ import annotations

import pytest

from bench.validity import KINDS, run_cell
from experiments.protocol import OutcomeKind, load_protocol
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)


@pytest.mark.parametrize("kind", KINDS)
def test_under_the_null_size_and_coverage_hold_roughly(kind: OutcomeKind) -> None:
    results = run_cell(PROTOCOL, kind=kind, scenario="null", groups=8, icc=0.12, trials=40, seed=11)
    assert {r.contrast for r in results} == {"peer vs control", "text vs control", "peer vs text"}
    for result in results:
        assert result.trials >= 38, result
        assert result.rejected <= 0.20, result
        assert result.covered >= 0.80, result
        assert 6 <= result.mean_groups <= 9, result


@pytest.mark.parametrize("kind", ["count", "questionnaire"])
def test_under_the_alternative_the_intervals_cover_the_truth(kind: OutcomeKind) -> None:
    results = run_cell(
        PROTOCOL, kind=kind, scenario="alternative", groups=5, icc=0.05, trials=40, seed=12
    )
    for result in results:
        assert result.covered >= 0.80, result
    peer = next(r for r in results if r.contrast == "peer vs control")
    assert peer.rejected > 0.05
