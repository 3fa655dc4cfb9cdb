"""What a loaded protocol offers the bot: arms, strata, age bands, questionnaires, summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from experiments.protocol import (
    Component,
    Language,
    Protocol,
    Track,
    load_protocol,
    summarize,
    validate_protocol,
)

from .shipped import FACTORIAL_FILE, PILOT_FILE


def test_default_study_has_three_equal_arms(study: Protocol) -> None:
    assert study.arm_weights() == {"peer": 1, "text": 1, "control": 1}


def test_factorial_study_crosses_peer_groups_with_messages() -> None:
    factorial = load_protocol(FACTORIAL_FILE)
    assert factorial.arms_with(Component.PEER_GROUP) == ("peer", "peer+text")
    assert factorial.arms_with(Component.CONGRATULATION) == ("text", "peer+text")


def test_pilot_runs_in_minutes() -> None:
    pilot = load_protocol(PILOT_FILE)
    assert pilot.schedule.commitment_period <= timedelta(minutes=5)
    assert pilot.schedule.survey_times[-1] <= timedelta(hours=1)


def test_control_arm_gets_no_components(study: Protocol) -> None:
    assert study.arm("control").components == ()


def test_unknown_arm_is_a_key_error(study: Protocol) -> None:
    with pytest.raises(KeyError):
        study.arm("placebo")


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [
        (2010, "16-20"),
        (2006, "16-20"),
        (2005, "21-25"),
        (1959, "50-67"),
        (2011, None),
        (1958, None),
    ],
)
def test_age_band_uses_the_age_reached_this_year(
    study: Protocol, birth_year: int, band: str | None
) -> None:
    assert study.age_band_for(birth_year, date(2026, 3, 1)) == band


def test_stratum_key_follows_the_stratification(study_data: dict[str, Any]) -> None:
    study_data["stratification"]["by"] = ["site", "track"]
    protocol = validate_protocol(study_data)
    assert protocol.stratum_key(Track.SAVINGS, "16-20", "Utrecht") == "track=savings|site=Utrecht"


def test_youths_are_not_asked_about_retirement(study: Protocol) -> None:
    assert "fse6" not in study.questionnaires.items_for("fse", "16-20")
    assert "fse6" in study.questionnaires.items_for("fse", "26-35")


def test_each_track_answers_its_own_scale_and_everyone_the_context(study: Protocol) -> None:
    baseline = study.questionnaires.instruments_for("baseline", Track.SAVINGS)
    assert baseline == ("gse", "fse", "context")
    assert study.questionnaires.instruments_for("follow_up", Track.JOBSEARCH) == ("gse", "jsse")


def test_minimal_protocol_takes_the_documented_defaults(study_data: dict[str, Any]) -> None:
    required = ("study", "consent", "arms", "templates", "questionnaires")
    minimal = {key: study_data[key] for key in required}
    minimal["curriculum"] = study_data["curriculum"]
    minimal["reminder_variants"] = study_data["reminder_variants"]  # the text arm reminds
    protocol = validate_protocol(minimal)
    assert [band.label for band in protocol.age_bands] == [
        "16-20",
        "21-25",
        "26-35",
        "36-49",
        "50-67",
    ]
    assert protocol.stratification.by == ("track", "age_band", "site")
    assert (protocol.quiet_hours.start, protocol.quiet_hours.end) == (time(21), time(9))
    assert protocol.schedule.commitment_period == timedelta(days=7)
    assert protocol.groups.min_size == 10
    assert protocol.study.timezone == "Europe/Amsterdam"
    budget = protocol.message_budget
    assert (budget.per_day, budget.min_gap, budget.stale_after) == (
        1,
        timedelta(hours=1),
        timedelta(days=2),
    )


def test_protocol_round_trips_through_its_json_form(study: Protocol) -> None:
    assert validate_protocol(study.model_dump(mode="json")) == study


def test_json_form_writes_durations_in_iso_8601(study: Protocol) -> None:
    assert study.model_dump(mode="json")["schedule"]["survey_times"] == ["P42D", "P84D"]


def test_quiet_hours_apply_in_the_study_time_zone(study: Protocol) -> None:
    late_evening = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)  # 23:00 in Amsterdam
    assert study.next_allowed_time(late_evening) == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)


def test_templates_render_from_the_protocol(study: Protocol) -> None:
    text = study.templates.render(
        "curriculum_prompt",
        Language.EN,
        {"week": 2, "topic": study.curriculum[1].topic(Language.EN)},
    )
    assert text.startswith("Topic for week 2: Your money in order.")


def test_summary_names_arms_strata_schedule_groups_quiet_hours_and_instruments(
    study: Protocol,
) -> None:
    summary = summarize(study)
    for expected in (
        "peer     weight 1  peer_group, group_progress, curriculum",
        "control  weight 1  no components",
        "Strata: track × age_band × site; permuted blocks of 3, 6 or 9 allocations",
        "commitment period 7 days",
        "Groups: 10–15 members",
        "Quiet hours: 21:00–09:00 Europe/Amsterdam",
        "Questionnaires at baseline: gse, fse (savings only), jsse (jobsearch only)",
    ):
        assert expected in summary
