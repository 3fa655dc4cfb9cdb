"""The mechanism arms of issue 27 as a protocol: the curriculum without a peer group (an
education arm), the counsellor's check-in (an attention arm), and config/mechanisms.toml."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from experiments.protocol import (
    Component,
    Language,
    ProtocolError,
    load_protocol,
    validate_protocol,
)

from .shipped import MECHANISMS_FILE


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as excinfo:
        validate_protocol(data)
    return excinfo.value.problems


def test_the_curriculum_without_a_peer_group_is_an_education_arm(
    study_data: dict[str, Any],
) -> None:
    study_data["arms"][1]["components"] = ["curriculum"]
    protocol = validate_protocol(study_data)
    assert protocol.arm("text").components == (Component.CURRICULUM,)


def test_outreach_without_the_counsellor_inbox_is_refused(study_data: dict[str, Any]) -> None:
    study_data["arms"][1]["components"] = ["counsellor_outreach"]
    [problem] = _problems(study_data)
    assert problem.startswith("arms[1].components: counsellor_outreach needs counsellor_contact")


def test_study_check_accepts_mechanisms_toml_and_describes_its_arms() -> None:
    checked = CliRunner().invoke(app, ["study", "check", str(MECHANISMS_FILE)])
    protocol = load_protocol(MECHANISMS_FILE)

    assert checked.exit_code == 0, checked.output
    assert [arm.name for arm in protocol.arms] == ["control", "attention", "education", "peer"]
    assert protocol.arm("attention").components == (
        Component.COUNSELLOR_CONTACT,
        Component.COUNSELLOR_OUTREACH,
    )
    assert protocol.arm("education").components == (Component.CURRICULUM,)
    assert protocol.arm("peer").components == (
        Component.PEER_GROUP,
        Component.CURRICULUM,
        Component.COUNSELLOR_CONTACT,
    )
    assert protocol.outreach.interval == timedelta(days=14)
    assert protocol.schedule.intervention_length == timedelta(days=84)
    assert all(week.private is not None for week in protocol.curriculum)
    assert "sent privately, one a week, to education" in checked.output
    assert "counsellor check-ins (attention)" in checked.output
    plan = protocol.analysis
    assert plan is not None
    assert {tuple(pair) for pair in plan.secondary_contrasts} == {
        ("peer", "attention"),
        ("peer", "education"),
    }


def test_a_week_without_a_private_wording_keeps_the_groups_words() -> None:
    week = load_protocol(MECHANISMS_FILE).curriculum[0].model_copy(update={"private": None})
    assert week.private_topic(Language.NL) == week.nl
