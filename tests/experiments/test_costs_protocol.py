"""The protocol's optional `[costs]`: shipped values load, negative costs are refused by name."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from experiments.protocol import ProtocolError, load_protocol, summarize, validate_protocol

from .shipped import CONFIG_DIR, STUDY_FILE


def test_the_study_and_its_long_term_twin_ship_the_same_costs() -> None:
    study = load_protocol(STUDY_FILE).costs
    assert study is not None
    assert study.counsellor_hour_eur > 0
    assert study.per_participant_fixed_eur > 0
    assert load_protocol(CONFIG_DIR / "long-term.toml").costs == study


def test_a_protocol_without_costs_still_loads(study_data: dict[str, Any]) -> None:
    del study_data["costs"]
    assert validate_protocol(study_data).costs is None


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("counsellor_hour_eur",), -70.0, "costs.counsellor_hour_eur:"),
        (("per_participant_fixed_eur",), -1.0, "costs.per_participant_fixed_eur:"),
        (("minutes", "answer"), -6.0, "costs.minutes.answer:"),
    ],
)
def test_negative_costs_are_refused_by_name(
    study_data: dict[str, Any], path: tuple[str, ...], value: float, problem: str
) -> None:
    section = study_data["costs"]
    for key in path[:-1]:
        section = section[key]
    section[path[-1]] = value
    with pytest.raises(ProtocolError) as excinfo:
        validate_protocol(study_data)
    (found,) = excinfo.value.problems
    assert found.startswith(problem)
    assert "must be at least 0" in found


def test_study_check_refuses_a_negative_counsellor_hour(tmp_path: Any) -> None:
    text = STUDY_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace("counsellor_hour_eur = 70.0", "counsellor_hour_eur = -70.0"), "utf-8"
    )
    result = CliRunner().invoke(app, ["study", "check", str(bad)])
    assert result.exit_code != 0
    assert "costs.counsellor_hour_eur" in result.output


def test_study_check_states_the_costs(study_data: dict[str, Any]) -> None:
    assert "Costs: €70.00 a counsellor hour, €12.00 fixed per participant" in summarize(
        validate_protocol(study_data)
    )
    del study_data["costs"]
    assert "Costs: none given" in summarize(validate_protocol(study_data))


def test_the_analysis_plan_fixes_how_dose_and_cost_are_counted() -> None:
    from experiments.outputs.sap import plan_sections

    (section,) = [s for s in plan_sections(load_protocol(STUDY_FILE)) if "dose" in s.title]
    words = " ".join(section.paragraphs)
    assert "no read receipts" in words
    assert "€70.00 a counsellor hour" in words
    assert "not estimable when the estimate is missing or not above no effect" in words
