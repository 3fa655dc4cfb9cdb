"""The pre-specified analysis: models per outcome type, contrasts, multiplicity, missing data."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type hints
import pytest

from experiments.allocation import Pseudonymizer
from experiments.analysis import (
    Fitted,
    Result,
    TrialAnalysis,
    analyse,
    fit_model,
    holm,
    icc_with_ci,
    imbens_manski,
)
from experiments.outputs import TrialSettings, build_tables, simulate_trial
from experiments.protocol import Protocol, load_protocol
from tests.experiments.shipped import FACTORIAL_FILE, STUDY_FILE

STUDY = load_protocol(STUDY_FILE)
FACTORIAL = load_protocol(FACTORIAL_FILE)


def analysis_of(settings: TrialSettings, protocol: Protocol = STUDY) -> TrialAnalysis:
    sim = simulate_trial(settings)
    tables = build_tables(sim.raw, Pseudonymizer("k"), protocol=protocol)
    return analyse(tables, protocol, sim.raw.as_of, imputations=2)


@cache
def three_arm() -> TrialAnalysis:
    settings = TrialSettings(
        participants=600, effects={"peer": 1.6}, score_effects={"peer": 3.0},
        grouped_arms=("peer",), completion_by_arm={"control": 0.5, "peer": 0.9}, seed=4,
    )  # fmt: skip
    return analysis_of(settings)


@cache
def three_arm_again() -> TrialAnalysis:
    """The same trial simulated and analysed again from scratch: what a re-run of the report
    computes, for the tests that its numbers do not change."""
    return three_arm.__wrapped__()


# The tests on the three-arm trial share its analysis (and its re-run): one xdist group, which
# --dist loadgroup hands to one worker (tests/conftest.py makes the group reach xdist's
# scheduler under pytest 9)
on_three_arm = pytest.mark.xdist_group("prespecified-three-arm")


def row(analysis: TrialAnalysis, outcome: str, contrast: str, family: str) -> Result:
    found = [
        r for r in analysis.results
        if r.outcome.name == outcome and r.contrast == contrast and r.family == family
    ]  # fmt: skip
    assert len(found) == 1, (outcome, contrast, family)
    return found[0]


def test_ancova_recovers_a_planted_effect() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    arm = rng.choice(["a", "b", "c"], n)
    stratum = rng.choice(["x", "y", "z"], n)
    baseline = rng.normal(25, 5, n)
    shift = {"x": 0.0, "y": 2.0, "z": -1.0}
    follow = (
        5 + 0.7 * baseline + 3.0 * (arm == "a") + np.vectorize(shift.get)(stratum)
        + rng.normal(0, 3, n)
    )  # fmt: skip
    data = pd.DataFrame({"y": follow, "baseline": baseline, "stratum": stratum, "arm": arm})
    fit = fit_model(
        data, kind="questionnaire", outcome="y",
        treatments={arm: (data["arm"] == arm).astype(float) for arm in ("a", "b")},
        factors=["stratum"], numeric=["baseline"], group=None,
    )  # fmt: skip
    assert isinstance(fit, Fitted)
    a, b = fit.contrast({"a": 1.0}), fit.contrast({"b": 1.0})
    assert a.estimate == pytest.approx(3.0, abs=0.35)
    low, high = a.interval(0.95)
    assert low < 3.0 < high
    assert b.interval(0.95)[0] < 0 < b.interval(0.95)[1]
    assert float(fit.params["baseline"]) == pytest.approx(0.7, abs=0.05)


@on_three_arm
def test_the_questionnaire_ancova_finds_the_peer_effect_and_not_a_text_effect() -> None:
    analysis = three_arm()
    peer = row(analysis, "gse", "peer vs control", "secondary")
    text = row(analysis, "gse", "text vs control", "secondary")
    assert peer.low is not None
    assert peer.low > 0
    assert text.low is not None
    assert text.high is not None
    assert text.low < 0 < text.high
    assert peer.analysis.startswith("ANCOVA at follow-up 2")


@on_three_arm
def test_the_primary_is_each_arm_vs_control_with_dunnett_simultaneous_intervals() -> None:
    analysis = three_arm()
    primary = analysis.primary
    assert [r.contrast for r in primary] == ["peer vs control", "text vs control"]
    assert all(r.adjustment == "Dunnett" for r in primary)
    for r in primary:
        assert r.p_value is not None
        assert r.p_adjusted is not None
        assert r.p_value <= r.p_adjusted <= min(1.0, 2 * r.p_value) + 1e-9
    peer = primary[0]
    assert peer.low is not None
    assert peer.high is not None
    assert peer.low < 1.6 < peer.high
    # Peer vs text on the primary outcome is a secondary contrast, adjusted by Holm.
    assert row(analysis, "deposits", "peer vs text", "secondary").adjustment == "Holm"


@on_three_arm
def test_every_planned_outcome_type_is_modelled() -> None:
    analysis = three_arm()
    measures = {r.outcome.name: r.measure for r in analysis.results if r.family == "secondary"}
    assert measures["saved_eur"] == "difference in means"
    assert measures["placement"] == "risk ratio"
    assert measures["applications"] == "rate ratio"
    assert measures["fse"] == "adjusted difference (ANCOVA)"


@on_three_arm
def test_counts_have_a_sensitivity_analysis_ending_exposure_at_loss() -> None:
    analysis = three_arm()
    rows = [r for r in analysis.results if r.analysis == "exposure ends at withdrawal or loss"]
    assert {r.outcome.name for r in rows} == {"deposits", "applications"}
    assert all(r.family == "sensitivity" and r.estimate is not None for r in rows)


@on_three_arm
def test_questionnaires_have_a_multiple_imputation_sensitivity_analysis() -> None:
    analysis = three_arm()
    imputed = [r for r in analysis.results if "multiple imputation" in r.analysis]
    assert {r.outcome.name for r in imputed} == {"gse", "fse", "jsse"}
    gse = next(r for r in imputed if r.outcome.name == "gse" and r.contrast == "peer vs control")
    assert gse.low is not None
    assert gse.low > 0


@on_three_arm
def test_the_multiple_imputation_gives_the_same_numbers_when_the_report_is_run_again() -> None:
    first, again = three_arm(), three_arm_again()  # control's questionnaires half missing

    def imputed(analysis: TrialAnalysis) -> list[tuple[str, str, float | None]]:
        return [
            (r.outcome.name, r.contrast, r.estimate)
            for r in analysis.results
            if "multiple imputation" in r.analysis
        ]

    assert imputed(first)
    assert imputed(first) == imputed(again)


@on_three_arm
def test_completion_by_arm_and_wave_follows_who_answered() -> None:
    analysis = three_arm()
    shares = {(c.arm, c.wave): c.share for c in analysis.completion}
    assert set(shares) == {(a, w) for a in ("peer", "text", "control") for w in (1, 2)}
    for wave in (1, 2):
        control, peer = shares[("control", wave)], shares[("peer", wave)]
        assert control is not None
        assert peer is not None
        assert control == pytest.approx(0.5, abs=0.08)
        assert peer == pytest.approx(0.9, abs=0.06)


@on_three_arm
def test_lee_bounds_bracket_the_primary_contrast() -> None:
    analysis = three_arm()
    assert [b.contrast for b in analysis.lee] == ["peer vs control", "text vs control"]
    for bounds in analysis.lee:
        assert bounds.low is not None
        assert bounds.high is not None
        assert bounds.low <= bounds.high


@on_three_arm
def test_lee_bounds_come_with_an_imbens_manski_interval_around_them() -> None:
    analysis = three_arm()
    for bounds in analysis.lee:
        assert bounds.low is not None
        assert bounds.high is not None
        assert bounds.ci_low is not None
        assert bounds.ci_high is not None
        assert bounds.ci_low < bounds.low <= bounds.high < bounds.ci_high
    again = three_arm_again()
    assert [(b.ci_low, b.ci_high) for b in again.lee] == [
        (b.ci_low, b.ci_high) for b in analysis.lee
    ]


def test_the_imbens_manski_critical_value_runs_from_1_645_to_1_96() -> None:
    # a point (no width): the usual two-sided 1.96; bounds far apart: one-sided 1.645 each side
    assert imbens_manski(1.0, 1.0, 0.5, 0.5) == pytest.approx((1.0 - 0.98, 1.0 + 0.98), abs=1e-3)
    low, high = imbens_manski(0.0, 10.0, 1.0, 2.0)
    assert (low, high) == pytest.approx((-1.6449, 10 + 2 * 1.6449), abs=1e-4)
    low, high = imbens_manski(0.0, 1.0, 1.0, 1.0)
    assert 1.645 < -low < 1.96


def test_peer_clusters_count_only_formed_groups() -> None:
    sim = simulate_trial(TrialSettings(participants=450, grouped_arms=("peer",), seed=5))
    tables = build_tables(sim.raw, Pseudonymizer("k"), protocol=STUDY)
    members = tables["memberships"]
    dropped = members[members["group_id"] == members["group_id"].min()]
    kept = members.drop(dropped.index)
    tables = {**tables, "memberships": kept}
    assert STUDY.analysis is not None  # t(G − 1): the df say what G is
    plan = STUDY.analysis.model_copy(update={"degrees_of_freedom": "groups_minus_one"})
    protocol = STUDY.model_copy(update={"analysis": plan})
    analysis = analyse(tables, protocol, sim.raw.as_of, imputations=2)
    peer = row(analysis, "deposits", "peer vs control", "primary")
    savers = set(tables["participants"].query("track == 'savings'")["pseudonym"])
    formed = kept[kept["pseudonym"].isin(savers)]["group_id"].nunique()
    assert peer.groups == formed
    assert peer.df == formed - 1
    assert row(analysis, "deposits", "text vs control", "primary").df is None


def test_the_factorial_gets_main_effects_and_their_interaction() -> None:
    effects = {"text": 1.3, "peer": 1.6, "peer+text": 1.6 * 1.3}
    settings = TrialSettings(
        participants=1200, weights={"control": 1, "text": 1, "peer": 1, "peer+text": 1},
        effects=effects, grouped_arms=("peer", "peer+text"), encouraged_arms=("text", "peer+text"),
        seed=6,
    )  # fmt: skip
    analysis = analysis_of(settings, FACTORIAL)
    primary = {r.contrast: r for r in analysis.primary}
    assert set(primary) == {"main effect of peer_group", "main effect of reminder"}
    for name, truth in (("main effect of peer_group", 1.6), ("main effect of reminder", 1.3)):
        estimate = primary[name]
        assert estimate.low is not None
        assert estimate.high is not None
        assert estimate.low < truth < estimate.high
        assert estimate.low > 1.0
        assert estimate.adjustment == "Bonferroni"
    interaction = row(analysis, "deposits", "interaction peer_group × reminder", "secondary")
    assert interaction.low is not None
    assert interaction.high is not None
    assert interaction.low < 1.0 < interaction.high


def test_holm_adjusts_step_down_and_keeps_order() -> None:
    assert holm([0.01, 0.04, 0.03, None]) == pytest.approx([0.03, 0.06, 0.06, None])


def test_the_icc_comes_with_a_confidence_interval_that_holds_it() -> None:
    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(40), 15)
    values = rng.normal(0, 0.5, 40)[groups] + rng.normal(0, 1, len(groups))
    icc, low, high = icc_with_ci(pd.Series(values), pd.Series(groups))
    assert icc is not None
    assert low is not None
    assert high is not None
    assert low < icc < high
    assert low < 0.2 < high


def test_without_a_plan_every_result_is_exploratory() -> None:
    data = STUDY.model_dump(mode="json")
    data.pop("analysis")
    from experiments.protocol import validate_protocol

    bare = validate_protocol(data)
    analysis = analysis_of(TrialSettings(participants=200, seed=8), bare)
    assert not analysis.registered_plan
    assert not any(r.prespecified for r in analysis.results)
