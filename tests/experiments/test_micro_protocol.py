"""The `[micro_randomization]` section: validated by `study check`, and the draws' derivation."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from experiments.allocation import chain_key
from experiments.micro import decision_points, draw, draw_key
from experiments.protocol import ProtocolError, load_protocol, validate_protocol

from .shipped import CONFIG_DIR, STUDY_FILE

MRT_FILE = CONFIG_DIR / "mrt.toml"


def mrt_data() -> dict[str, Any]:
    return tomllib.loads(MRT_FILE.read_text("utf-8"))


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as excinfo:
        validate_protocol(data)
    return excinfo.value.problems


def test_the_shipped_mrt_protocol_has_one_arm_and_weekly_probabilities() -> None:
    protocol = load_protocol(MRT_FILE)
    micro = protocol.micro_randomization
    assert micro is not None
    assert [arm.name for arm in protocol.arms] == ["mrt"]
    prompt = micro.component("prompt")
    assert prompt is not None
    assert [prompt.probability_in_week(w) for w in (1, 3, 5, 9)] == [0.6, 0.5, 0.4, 0.4]


def test_one_arm_without_micro_randomization_is_refused() -> None:
    data = mrt_data()
    del data["micro_randomization"]
    assert problems(data) == ["arms: needs at least 2 entries"]


def test_a_decision_time_in_quiet_hours_is_refused() -> None:
    data = mrt_data()
    data["micro_randomization"]["decision_times"] = ["07:30"]
    assert problems(data) == [
        "micro_randomization.decision_times: 07:30 is in the quiet hours: every decision point "
        "there would be unavailable"
    ]


def test_a_probability_of_one_is_refused() -> None:
    data = mrt_data()
    data["micro_randomization"]["components"][0]["probability"] = [0.5, 1.0]
    assert problems(data) == [
        "micro_randomization.components[0].probability[1]: each probability must be between "
        "0.05 and 0.95"
    ]


def test_an_unknown_micro_randomized_arm_is_refused() -> None:
    data = mrt_data()
    data["micro_randomization"]["arms"] = ["text"]
    assert problems(data) == ["micro_randomization.arms[0]: no arm 'text'"]


def test_a_component_both_scheduled_and_micro_randomized_is_refused() -> None:
    data = tomllib.loads(STUDY_FILE.read_text("utf-8"))
    data["micro_randomization"] = {
        "arms": ["text"],
        "components": [{"component": "reminder", "probability": 0.5}],
    }
    assert problems(data) == [
        "micro_randomization.arms[0]: arm 'text' also gets reminder on schedule: take it out of "
        "the arm's components, or out of the micro-randomization"
    ]
    data["arms"][1]["components"] = ["congratulation", "encouragement"]
    assert validate_protocol(data).micro_randomization is not None


def test_the_prompt_needs_its_text() -> None:
    data = mrt_data()
    del data["micro_randomization"]["prompt"]
    assert problems(data) == [
        "micro_randomization: the prompt component needs its text ([micro_randomization.prompt])"
    ]


def test_draws_are_reproducible_uniform_and_keyed_apart_from_the_allocation_chain() -> None:
    at = datetime(2026, 1, 5, 17, tzinfo=UTC)
    key = draw_key("seed-of-the-trial")
    assert key != chain_key("seed-of-the-trial")
    assert draw(key, 7, "prompt", at) == draw(draw_key("seed-of-the-trial"), 7, "prompt", at)
    assert draw(key, 7, "prompt", at) != draw(draw_key("another-seed"), 7, "prompt", at)
    values = [draw(key, n, "prompt", at + timedelta(days=d)) for n in range(50) for d in range(40)]
    assert all(0 <= value < 1 for value in values)
    assert abs(sum(values) / len(values) - 0.5) < 0.02
    assert abs(sum(value < 0.3 for value in values) / len(values) - 0.3) < 0.03


def test_decision_points_follow_local_time_across_the_clock_change() -> None:
    protocol = load_protocol(MRT_FILE)
    micro = protocol.micro_randomization
    assert micro is not None
    start = datetime(2026, 3, 20, 8, tzinfo=UTC)
    points = list(decision_points(micro, protocol.zone, start, start, start + timedelta(days=14)))
    assert len(points) == 14
    # 18:00 in Amsterdam is 17:00 UTC in winter, 16:00 UTC after 29 March.
    assert points[0].hour == 17
    assert points[-1].hour == 16
    everything = list(
        decision_points(micro, protocol.zone, start, start, start + timedelta(days=99))
    )
    assert len(everything) == micro.days
