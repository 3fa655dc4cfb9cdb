"""The protocol's [analysis] section: a pre-specified plan that `study check` validates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from experiments.protocol import (
    ProtocolError,
    follow_up_wave,
    load_protocol,
    resolve_outcome,
    summarize,
    validate_protocol,
)

from .shipped import FACTORIAL_FILE, PILOT_FILE, STUDY_FILE


@pytest.mark.parametrize("file", [STUDY_FILE, FACTORIAL_FILE, PILOT_FILE])
def test_every_shipped_protocol_declares_an_analysis_plan(file: Any) -> None:
    plan = load_protocol(file).analysis
    assert plan is not None
    assert plan.estimand == "ITT"
    assert plan.primary == "deposits"


def test_the_plan_is_summarized_by_study_check(tmp_path: Any) -> None:
    result = CliRunner().invoke(app, ["study", "check", str(STUDY_FILE)])
    assert result.exit_code == 0, result.output
    assert "primary: deposits (each arm vs control, dunnett)" in result.output
    assert "peer vs text" in result.output


def test_study_check_rejects_a_primary_the_bot_does_not_record(tmp_path: Any) -> None:
    text = STUDY_FILE.read_text(encoding="utf-8").replace(
        'primary = "deposits"', 'primary = "happiness"'
    )
    bad = tmp_path / "study.toml"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["study", "check", str(bad)])
    assert result.exit_code == 1
    assert "analysis.primary: 'happiness' is not something the bot records" in result.output


def test_a_questionnaire_not_asked_at_follow_up_is_not_an_outcome(
    study_data: dict[str, Any],
) -> None:
    study_data["questionnaires"]["follow_up"] = ["gse", "fse"]
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert any("analysis.secondary[5]: 'jsse'" in p for p in caught.value.problems)


def test_covariates_must_include_every_stratification_factor(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["covariates"] = ["track"]
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    missing = (
        "analysis.covariates: must include every stratification factor (missing: age_band, site)"
    )
    assert missing in caught.value.problems


def test_an_unknown_multiplicity_rule_is_refused(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["multiplicity"] = "none"
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert any(p.startswith("analysis.multiplicity: must be one of") for p in caught.value.problems)


def test_a_secondary_contrast_names_real_arms(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["secondary_contrasts"] = [["peer", "sms"]]
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert "analysis.secondary_contrasts[0]: no arm 'sms'" in caught.value.problems


def test_a_factorial_plan_needs_every_combination_of_its_factors(
    study_data: dict[str, Any],
) -> None:
    study_data["analysis"]["factorial"] = {"factors": ["peer_group", "reminder"]}
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert any("every combination of peer_group and reminder" in p for p in caught.value.problems)


def test_questionnaire_outcomes_are_analysed_at_the_last_survey_in_the_window() -> None:
    protocol = load_protocol(STUDY_FILE)
    assert follow_up_wave(protocol) == 2
    spec = resolve_outcome("fse", protocol)
    assert spec is not None
    assert (spec.kind, spec.track) == ("questionnaire", "savings")
    assert resolve_outcome("gse", protocol) is not None
    assert resolve_outcome("placement", protocol) is not None


def test_a_protocol_without_a_plan_says_its_analyses_are_exploratory(
    study_data: dict[str, Any],
) -> None:
    del study_data["analysis"]
    assert "every analysis in the report is exploratory" in summarize(validate_protocol(study_data))


def test_a_pilot_says_why_it_is_not_powered(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["pilot"] = True
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert any(
        p.startswith("analysis.pilot_reason: a pilot says why") for p in caught.value.problems
    )
    study_data["analysis"]["pilot_reason"] = "a feasibility run of 60"
    protocol = validate_protocol(study_data)
    assert "pilot (a feasibility run of 60): not powered for its primary contrasts" in summarize(
        protocol
    )
    from experiments.outputs.sap import render_markdown

    plan = render_markdown(protocol, "0" * 64, datetime(2026, 1, 1, tzinfo=UTC))
    assert "This is a pilot (a feasibility run of 60): it is not powered" in plan


def test_a_ratio_belongs_to_a_primary_of_its_type(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["risk_ratio"] = 1.5
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert "analysis.risk_ratio: is for a binary primary outcome; deposits is count" in (
        caught.value.problems
    )
    del study_data["analysis"]["risk_ratio"]
    study_data["analysis"]["rate_ratio"] = 1.0
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(study_data)
    assert any(p.startswith("analysis.rate_ratio: 1 is no effect") for p in caught.value.problems)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("groups_minus_one", "t with G − 1 degrees of freedom"),
        ("satterthwaite", "Bell–McCaffrey (Satterthwaite) degrees of freedom"),
        ("imbens_kolesar", "Imbens–Kolesár degrees of freedom"),
    ],
)
def test_the_plan_states_its_degrees_of_freedom(
    study_data: dict[str, Any], rule: str, words: str
) -> None:
    from experiments.outputs.sap import render_markdown

    study_data["analysis"]["degrees_of_freedom"] = rule
    protocol = validate_protocol(study_data)
    plan = render_markdown(protocol, "0" * 64, datetime(2026, 1, 1, tzinfo=UTC))
    assert words in plan
    assert "Lee bounds" in plan
    assert "Imbens & Manski 2004" in plan
