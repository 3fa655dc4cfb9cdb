"""Baseline context in the analysis: the baseline table by arm with value labels, covariates
and pre-specified subgroups named as `instrument.item`, prevention vs cure as an interaction."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pytest

from experiments import analysis as an
from experiments.allocation import Pseudonymizer
from experiments.outputs import TrialSettings, build_tables, simulate_trial
from experiments.outputs.estimates import estimates_table
from experiments.protocol import ProtocolError, load_protocol, validate_protocol
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)
SIMULATED = simulate_trial(TrialSettings(participants=300, grouped_arms=("peer",)))
TABLES = build_tables(SIMULATED.raw, Pseudonymizer("context-key"), protocol=PROTOCOL)


@cache
def analysed() -> an.TrialAnalysis:
    """The shipped plan's analysis of the simulated trial, once for the tests that read it."""
    return an.analyse(TABLES, PROTOCOL, SIMULATED.raw.as_of, imputations=2)


# The tests reading that analysis are one xdist group: --dist loadgroup hands them to one worker
# (tests/conftest.py makes the group reach xdist's scheduler under pytest 9)
on_the_analysis = pytest.mark.xdist_group("context-analysis")


def _plan_with(**changes: Any) -> list[str]:
    """The problems `study check` names in the shipped protocol with these analysis changes."""
    data = PROTOCOL.model_dump(mode="json")
    data["analysis"] |= changes
    try:
        validate_protocol(data)
    except ProtocolError as error:
        return error.problems
    return []


def test_the_baseline_table_shows_each_context_answer_by_its_label_per_arm() -> None:
    design = an.Design.from_protocol(PROTOCOL)
    table = an.baseline_table(TABLES, design, an.protocol_context(PROTOCOL))
    assert list(table.columns) == ["peer", "text", "control", "All"]
    for row in (
        "Benefit: Yes, social assistance (bijstand), n (%)",
        "Household: Only with my child or children, n (%)",
        "Debts or arrears: No, n (%)",
        "Debts or arrears: prefer not to say, n (%)",
        "Language at home: Dutch, n (%)",
        "Language at home: not answered, n (%)",
        "Wants to take part (1-5), mean (SD)",
    ):
        assert row in table.index, row
    people = an.analysed(TABLES, design)
    no_debts = int((people["context_debts"] == 0).sum())
    assert table.loc["Debts or arrears: No, n (%)", "All"].startswith(f"{no_debts} (")


@on_the_analysis
def test_prevention_vs_cure_is_a_pre_specified_interaction_test_on_the_primary_outcome() -> None:
    analysis = analysed()
    every = [r for r in analysis.results if r.family == "subgroup"]
    rows = [r for r in every if "Prevention vs cure" in r.analysis]
    assert [r.contrast for r in rows] == [
        "peer vs control, prevention",
        "peer vs control, cure",
        "peer vs control: cure vs prevention (interaction)",
        "text vs control, prevention",
        "text vs control, cure",
        "text vs control: cure vs prevention (interaction)",
    ]
    assert all(r.prespecified and r.outcome.name == "deposits" for r in rows)
    assert all("pre-specified subgroup analysis: Prevention vs cure" in r.analysis for r in rows)
    interaction = rows[2]
    assert interaction.p_value is not None, interaction.not_estimable
    assert interaction.note == "ratio of the rate ratios (level / reference)"
    assert interaction.groups is not None, "the peer arm's contrasts are clustered by group"
    csv = estimates_table(analysis, SIMULATED.raw.as_of)
    assert (csv["family"] == "subgroup").sum() == len(every)
    # the shipped plan also splits by age band (young vs older), labelled exploratory
    ages = [r for r in every if "Young or older" in r.analysis]
    assert [r.contrast for r in ages][:3] == [
        "peer vs control, young",
        "peer vs control, older",
        "peer vs control: older vs young (interaction)",
    ]
    assert all("exploratory" in r.analysis for r in every)


@on_the_analysis
def test_people_who_prefer_not_to_say_are_left_out_of_the_subgroup_analysis_only() -> None:
    analysis = analysed()
    [prevention, cure] = [
        r for r in analysis.results if r.family == "subgroup" and r.contrast.startswith("text vs")
    ][:2]
    people = analysis.people
    savers = people[people["track"] == "savings"]
    in_a_level = savers["context_debts"].isin([0, 1, 2])
    counted = sum(prevention.n) + sum(cure.n)
    assert counted == int((in_a_level & savers["arm"].isin(["text", "control"])).sum())
    assert counted < int(savers["arm"].isin(["text", "control"]).sum())


def test_a_context_item_may_adjust_the_models_as_a_covariate() -> None:
    assert _plan_with(covariates=["track", "age_band", "site", "context.household"]) == []
    data = PROTOCOL.model_dump(mode="json")
    data["analysis"]["covariates"] = ["track", "age_band", "site", "context.household"]
    adjusted = validate_protocol(data)
    assert adjusted.analysis is not None
    assert adjusted.analysis.covariate_columns[-1] == "context_household"
    frame = an.outcome_frame(TABLES, adjusted, SIMULATED.raw.as_of)
    assert "context_household" in frame.columns
    analysis = an.analyse(TABLES, adjusted, SIMULATED.raw.as_of, imputations=2)
    assert analysis.primary[0].estimate is not None


@pytest.mark.parametrize(
    ("covariate", "said"),
    [
        ("context.home_language", "is a multiple item: name a single-choice or yes/no item"),
        ("context.nope", "context has no item 'nope'"),
        ("gse.gse1", "'gse' is a scale: name an item of a context instrument"),
        ("income", "'income' is no stratification factor"),
    ],
)
def test_a_covariate_that_names_no_usable_context_item_is_refused(
    covariate: str, said: str
) -> None:
    [problem] = _plan_with(covariates=["track", "age_band", "site", covariate])
    assert problem.startswith("analysis.covariates[3]: ")
    assert said in problem


def test_a_subgroup_level_must_name_answers_the_item_offers() -> None:
    subgroup = {
        "name": "debts",
        "label": "Debts",
        "item": "context.debts",
        "levels": {"none": [0], "some": [1, 7]},
    }
    assert _plan_with(subgroups=[subgroup]) == [
        "analysis.subgroups[0].levels.some: context.debts has no answer 7"
    ]


def test_a_subgroup_needs_two_levels() -> None:
    data = PROTOCOL.model_dump(mode="json")
    data["analysis"]["subgroups"][0]["levels"] = {"all": [0, 1, 2]}
    with pytest.raises(ProtocolError, match=r"analysis\.subgroups\[0\]\.levels: needs at least 2"):
        validate_protocol(data)


def test_the_export_spreads_a_multiple_choice_answer_into_a_column_per_option() -> None:
    answers = SIMULATED.raw["survey_answers"]
    given = answers[(answers["item"] == "home_language") & (answers["value"] > 0)].iloc[0]
    people = TABLES["participants"]
    names = Pseudonymizer("context-key").pseudonyms(pd.Series([given["participant_id"]]))
    row = people[people["pseudonym"] == names[int(given["participant_id"])]].iloc[0]
    ticked = [int(row[f"context_home_language_{n}"]) for n in range(5)]
    assert ticked == [int(given["value"]) >> n & 1 for n in range(5)]
