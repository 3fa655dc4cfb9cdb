"""The estimand decisions `study check` requires: a strategy per intercurrent event, a subgroup
statement and the interim rule; the analysis plan shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from experiments.outputs.sap import render_html, render_markdown
from experiments.protocol import ProtocolError, load_protocol, validate_protocol

from .shipped import CONFIG_DIR, STUDY_FILE

_WHEN = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        validate_protocol(data)
    return caught.value.problems


@pytest.mark.parametrize("key", ["intercurrent_events", "subgroups", "interim"])
def test_a_plan_that_leaves_an_estimand_decision_open_is_refused(
    study_data: dict[str, Any], key: str
) -> None:
    del study_data["analysis"][key]
    problems = _problems(study_data)
    assert any(p.startswith(f"analysis.{key}: ") for p in problems), problems


def test_study_check_refuses_an_undecided_plan_with_a_clear_message(tmp_path: Path) -> None:
    text = STUDY_FILE.read_text(encoding="utf-8")
    text = text.replace('interim = "descriptive_only"\n', "")
    start = text.index("[analysis.intercurrent_events]")
    text = text[:start] + text[text.index("left_group = {", start) :].split("\n", 1)[1]
    bad = tmp_path / "study.toml"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["study", "check", str(bad)])
    assert result.exit_code == 1
    assert "analysis.intercurrent_events: decide a strategy for every intercurrent event" in (
        result.output
    )
    assert "analysis.interim: say how looks before the planned end are used" in result.output


def test_every_possible_event_needs_a_strategy(study_data: dict[str, Any]) -> None:
    del study_data["analysis"]["intercurrent_events"]["left_group"]
    assert "analysis.intercurrent_events: no strategy for left_group" in " ".join(
        _problems(study_data)
    )


def test_a_strategy_lotgenoot_does_not_run_is_refused(study_data: dict[str, Any]) -> None:
    events = study_data["analysis"]["intercurrent_events"]
    events["paused"] = {"primary": "hypothetical"}
    events["left_group"] = {"primary": "treatment_policy", "supplementary": "principal_stratum"}
    problems = _problems(study_data)
    assert (
        "analysis.intercurrent_events.paused.primary: 'hypothetical' is not an analysis "
        "Lotgenoot runs (it runs: treatment_policy)"
    ) in problems
    assert any(
        p.startswith("analysis.intercurrent_events.left_group.supplementary") for p in problems
    )


def test_the_exposure_ending_sensitivity_covers_its_three_events_together(
    study_data: dict[str, Any],
) -> None:
    study_data["analysis"]["intercurrent_events"]["lost_contact"] = {"primary": "treatment_policy"}
    assert any("all of stopped_participating, lost_contact" in p for p in _problems(study_data))


def test_an_unknown_event_or_interim_rule_is_refused(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["intercurrent_events"]["moved_abroad"] = {"primary": "treatment_policy"}
    study_data["analysis"]["interim"] = "obrien_fleming"
    problems = " ".join(_problems(study_data))
    assert "moved_abroad" in problems
    assert "analysis.interim" in problems


def test_subgroups_none_is_a_statement(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["subgroups"] = "none"
    plan = validate_protocol(study_data).analysis
    assert plan is not None
    assert plan.subgroups == "none"
    assert plan.subgroup_analyses == ()


@pytest.mark.parametrize(
    "name", ["study", "long-term", "factorial", "peer-factorial", "pilot", "mechanisms"]
)
def test_every_shipped_plan_decides_its_estimands(name: str) -> None:
    plan = load_protocol(CONFIG_DIR / f"{name}.toml").analysis
    assert plan is not None
    assert plan.interim == "descriptive_only"
    assert plan.subgroups is not None
    assert plan.strategy("stopped_participating", "primary") == "treatment_policy"
    assert plan.strategy("never_joined_group", "supplementary") == "principal_stratum"


def test_the_plan_shows_the_intercurrent_events_subgroups_and_interim_rule() -> None:
    protocol = load_protocol(STUDY_FILE)
    text = render_markdown(protocol, "0" * 64, _WHEN)
    assert "Intercurrent events and estimands" in text
    assert "| event | what happened | primary | sensitivity | supplementary |" in text
    assert (
        "| stopped_participating | stopped participating (withdrawal) | treatment policy: "
        "counted as it happens, in the allocated arm | while on treatment: exposure and events "
        "end at the event (counts) | – |"
    ) in text
    assert "principal stratum: complier-average effect of joining a group (CACE)" in text
    assert "Subgroup statement" in text
    assert "interaction test on the primary outcome, labelled exploratory" in text
    assert "Interim looks are descriptive only: a report made before the planned end" in text
    html = render_html(protocol, "0" * 64, _WHEN)
    assert '<td class="text">never_joined_group</td>' in html


def test_a_plan_without_subgroups_says_none(study_data: dict[str, Any]) -> None:
    study_data["analysis"]["subgroups"] = "none"
    text = render_markdown(validate_protocol(study_data), "0" * 64, _WHEN)
    assert "No subgroup analyses are pre-specified" in text


def test_the_micro_randomized_estimand_is_stated_in_words(study_data: dict[str, Any]) -> None:
    mrt = load_protocol(CONFIG_DIR / "mrt.toml")
    assert mrt.micro_randomization is not None
    study_data["micro_randomization"] = mrt.micro_randomization.model_dump(mode="json")
    study_data["micro_randomization"]["arms"] = ["text"]
    text = render_markdown(validate_protocol(study_data), "0" * 64, _WHEN)
    assert "Micro-randomized estimand" in text
    assert "the marginal effect is a p(1 − p)-weighted average" in text
