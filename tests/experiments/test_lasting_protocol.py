"""The protocol's end, follow-up waves, balance and retention sections (issue 29): days only,
waves in order, and the outcomes a plan may name."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from typing import Any

import pytest

from experiments.protocol import (
    ProtocolError,
    load_protocol,
    resolve_outcome,
    validate_protocol,
    wave_times,
)
from tests.experiments.shipped import CONFIG_DIR, STUDY_FILE

LONG_TERM = CONFIG_DIR / "long-term.toml"


def _study(**schedule: Any) -> dict[str, Any]:
    data = tomllib.loads(STUDY_FILE.read_text("utf-8"))
    data["schedule"].update(schedule)
    return data


def test_the_long_term_protocol_runs_12_weeks_then_a_6_month_follow_up() -> None:
    protocol = load_protocol(LONG_TERM)

    assert protocol.schedule.intervention_length == timedelta(weeks=12)
    assert wave_times(protocol.schedule)[-1] == timedelta(weeks=12) + timedelta(days=182)
    assert [check.name for check in protocol.retention.checks] == ["1m", "3m", "6m"]
    for name in ("balance_eur", "relapse", "job_retained_3m"):
        assert resolve_outcome(name, protocol) is not None, name


def test_an_intervention_length_in_months_is_refused() -> None:
    with pytest.raises(ProtocolError, match="months"):
        validate_protocol(_study(intervention_length="P3M"))


def test_follow_up_waves_need_an_end_to_count_from() -> None:
    with pytest.raises(ProtocolError, match="intervention_length"):
        validate_protocol(_study(follow_up_times=["P30D"]))


def test_a_retention_outcome_the_protocol_does_not_ask_is_unknown() -> None:
    protocol = validate_protocol(_study())

    assert resolve_outcome("job_retained_3m", protocol) is None
    assert resolve_outcome("balance_eur", protocol) is not None
