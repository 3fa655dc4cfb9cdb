"""Subgroups split by a stratum (age band, track): an arm × level interaction in the primary's
own model and errors, the per-level effects equal to separate fits, `study check` refusing an
unknown split variable and a track split of a one-track primary, and the plan saying so."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest
from scipy import stats  # type: ignore[import-untyped]

from experiments.analysis.models import Fitted, fit_model
from experiments.analysis.subgroups import subgroup_results
from experiments.outputs.sap import render_markdown
from experiments.protocol import ProtocolError, Subgroup, load_protocol, validate_protocol
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)
YOUNG = ("16-20", "21-25")
OLDER = ("26-35", "36-49", "50-67")
AGE = Subgroup(
    name="age",
    label="Young or older",
    item="age_band",
    levels={"young": YOUNG, "older": OLDER},
)


def _trial(seed: int = 7, per_band: int = 90) -> pd.DataFrame:
    """Savers in every age band, a third per arm; peer members in groups of 6 within a band.
    Peer and text double the deposit rate of the young and leave the older unchanged."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    group = 0
    for band in (*YOUNG, *OLDER):
        arms = np.repeat(["peer", "text", "control"], per_band // 3)
        for index, arm in enumerate(arms):
            if arm == "peer" and index % 6 == 0:
                group += 1
            ratio = 2.0 if arm != "control" and band in YOUNG else 1.0
            exposure = 12.0
            rows.append(
                {
                    "pseudonym": f"p{len(rows)}",
                    "arm": str(arm),
                    "track": "savings",
                    "age_band": band,
                    "site": "utrecht",
                    "exposure": exposure,
                    "deposits": float(rng.poisson(0.5 * ratio * exposure * rng.gamma(3.0, 1 / 3))),
                    "group": float(group) if arm == "peer" else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _plan_with_age() -> Any:
    assert PROTOCOL.analysis is not None
    return PROTOCOL.analysis.model_copy(update={"subgroups": (AGE,)})


def _separate(data: pd.DataFrame, arm: str) -> tuple[float, float, float | None]:
    """The primary's model fitted to one level's people alone: (log rate ratio, SE, df)."""
    plan = _plan_with_age()
    data = data.reset_index(drop=True)
    fit = fit_model(
        data,
        kind="count",
        outcome="deposits",
        treatments={a: (data["arm"] == a).astype(float) for a in ("peer", "text")},
        grouped=["peer"],
        factors=[c for c in plan.covariate_columns if c in data.columns],
        exposure="exposure",
        degrees_of_freedom=plan.degrees_of_freedom,
    )
    assert isinstance(fit, Fitted), fit
    value = fit.contrast({arm: 1.0})
    assert value.estimate is not None
    assert value.se is not None
    return value.estimate, value.se, value.df


def test_an_age_band_interaction_is_detected_and_each_level_matches_its_own_fit() -> None:
    frame = _trial()
    rows = subgroup_results(frame, PROTOCOL, _plan_with_age(), None, True)
    by = {r.contrast: r for r in rows}
    assert list(by) == [
        "peer vs control, young",
        "peer vs control, older",
        "peer vs control: older vs young (interaction)",
        "text vs control, young",
        "text vs control, older",
        "text vs control: older vs young (interaction)",
    ]
    assert all(r.family == "subgroup" and "exploratory" in r.analysis for r in rows)
    for arm in ("peer", "text"):
        interaction = by[f"{arm} vs control: older vs young (interaction)"]
        assert interaction.p_value is not None, interaction.not_estimable
        assert interaction.p_value < 0.01
        assert interaction.estimate is not None
        assert interaction.estimate < 0.8
        for level, bands in (("young", YOUNG), ("older", OLDER)):
            joint = by[f"{arm} vs control, {level}"]
            assert joint.estimate is not None
            estimate, se, df = _separate(frame[frame["age_band"].isin(bands)], arm)
            assert math.log(joint.estimate) == pytest.approx(estimate, abs=1e-8)
            if arm == "peer":  # clustered: the report shows its (Bell–McCaffrey) df
                assert joint.df == pytest.approx(df, rel=1e-8)
                assert joint.low is not None
                assert joint.high is not None
                assert df is not None
                width = math.log(joint.high) - math.log(joint.low)
                assert width / (2 * stats.t.ppf(0.975, df)) == pytest.approx(se, rel=1e-8)
    # the peer contrast is clustered by group, with the primary's degrees of freedom
    assert by["peer vs control, young"].groups is not None
    assert by["text vs control, young"].groups is None


def test_no_interaction_when_the_effect_is_the_same_in_every_band() -> None:
    frame = _trial(seed=3)
    frame["deposits"] = np.random.default_rng(11).poisson(6.0, len(frame)).astype(float)
    rows = subgroup_results(frame, PROTOCOL, _plan_with_age(), None, True)
    [peer] = [r for r in rows if r.contrast == "peer vs control: older vs young (interaction)"]
    assert peer.p_value is not None
    assert peer.p_value > 0.01


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(data)
    return caught.value.problems


def _with(study_data: dict[str, Any], **subgroup: Any) -> dict[str, Any]:
    study_data["analysis"]["subgroups"] = [{"name": "split", "label": "Split", **subgroup}]
    return study_data


def test_study_check_accepts_an_age_band_split(study_data: dict[str, Any]) -> None:
    levels = {"young": list(YOUNG), "older": list(OLDER)}
    plan = validate_protocol(_with(study_data, item="age_band", levels=levels)).analysis
    assert plan is not None
    assert plan.subgroup_analyses[0].column == "age_band"


def test_study_check_refuses_an_unknown_split_variable(study_data: dict[str, Any]) -> None:
    data = _with(study_data, item="income", levels={"low": [0], "high": [1]})
    assert _problems(data) == [
        "analysis.subgroups[0].item: 'income' is no split variable: name track, age_band or a "
        "baseline context item (instrument.item)"
    ]


def test_study_check_refuses_a_track_split_of_a_one_track_primary(
    study_data: dict[str, Any],
) -> None:
    data = _with(study_data, item="track", levels={"savers": ["savings"], "job": ["jobsearch"]})
    assert _problems(data) == [
        "analysis.subgroups[0].item: deposits is recorded by the savings track only: a track "
        "split has one level (split by age_band or a context item instead)"
    ]


def test_a_track_split_of_an_outcome_both_tracks_record_is_accepted(
    study_data: dict[str, Any],
) -> None:
    study_data["analysis"]["primary"] = "gse"
    study_data["analysis"]["secondary"] = ["deposits", "saved_eur", "applications"]
    data = _with(study_data, item="track", levels={"savers": ["savings"], "job": ["jobsearch"]})
    plan = validate_protocol(data).analysis
    assert plan is not None
    assert plan.subgroup_analyses[0].by_stratum


def test_study_check_refuses_an_age_band_the_protocol_does_not_have(
    study_data: dict[str, Any],
) -> None:
    data = _with(study_data, item="age_band", levels={"young": ["16-20"], "old": ["68-99"]})
    [problem] = _problems(data)
    assert problem.startswith("analysis.subgroups[0].levels.old: there is no age band '68-99'")


def test_the_plan_lists_the_age_band_subgroup_as_exploratory_with_an_interaction_test() -> None:
    text = render_markdown(PROTOCOL, "0" * 64, datetime(2026, 1, 5, 9, tzinfo=UTC))
    statement = text[text.index("Subgroup statement") :]
    assert (
        "Young or older: under 26 vs 26 and over (exploratory): age band at allocation, young "
        "(age bands 16-20, 21-25) vs older (age bands 26-35, 36-49, 50-67); young is the "
        "reference."
    ) in statement
    assert "interaction test (does the effect differ?) with its p value" in statement
    assert "labelled exploratory" in statement
