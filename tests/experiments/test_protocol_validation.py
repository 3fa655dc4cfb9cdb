"""Every protocol problem is reported in plain words under its exact key path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from experiments.protocol import (
    Component,
    ProtocolError,
    Track,
    load_protocol,
    parse_protocol,
    summarize,
    validate_protocol,
)

from .shipped import CONFIG_DIR, STUDY_FILE


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProtocolError) as excinfo:
        validate_protocol(data)
    return excinfo.value.problems


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.toml")), ids=lambda path: path.name)
def test_shipped_protocols_load(path: Path) -> None:
    assert load_protocol(path).arms


def test_zero_weight_names_its_key_path(study_data: dict[str, Any]) -> None:
    study_data["arms"][1]["weight"] = 0
    assert problems(study_data) == ["arms[1].weight: must be at least 1"]


def test_malformed_duration_names_its_key_path(study_data: dict[str, Any]) -> None:
    study_data["schedule"]["commitment_period"] = "a week"
    assert problems(study_data) == [
        "schedule.commitment_period: not an ISO-8601 duration (e.g. P7D, PT30S)"
    ]


def test_zero_period_is_refused(study_data: dict[str, Any]) -> None:
    study_data["schedule"]["commitment_period"] = "PT0S"
    assert problems(study_data) == ["schedule.commitment_period: must be longer than zero"]


def test_toml_syntax_error_names_line_and_column() -> None:
    text = STUDY_FILE.read_text(encoding="utf-8").replace("[schedule]", "[schedule", 1)
    with pytest.raises(ProtocolError) as excinfo:
        parse_protocol(text, "study.toml")
    (line,) = excinfo.value.problems
    assert line.startswith("study.toml: TOML syntax error")
    assert "line" in line
    assert "column" in line


def test_every_problem_is_reported_at_once(study_data: dict[str, Any]) -> None:
    study_data["arms"][0]["weight"] = 0
    study_data["groups"]["min_size"] = 1
    study_data["quiet_hours"]["start"] = "9pm"
    assert len(problems(study_data)) == 3


def test_unknown_key_is_refused(study_data: dict[str, Any]) -> None:
    study_data["groups"]["max_sise"] = 12
    assert problems(study_data) == ["groups.max_sise: unknown key"]


def test_missing_section_is_required(study_data: dict[str, Any]) -> None:
    del study_data["templates"]
    assert problems(study_data) == ["templates: required"]


def test_unreadable_file_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot read"):
        load_protocol(tmp_path / "missing.toml")


def test_unknown_component_is_refused(study_data: dict[str, Any]) -> None:
    study_data["arms"][1]["components"] = ["congratulations"]
    (line,) = problems(study_data)
    assert line.startswith("arms[1].components[0]: must be one of")


def test_repeated_component_is_refused(study_data: dict[str, Any]) -> None:
    study_data["arms"][1]["components"] = ["reminder", "reminder"]
    assert problems(study_data) == ["arms[1].components: lists a component twice"]


def test_group_progress_needs_a_peer_group(study_data: dict[str, Any]) -> None:
    study_data["arms"][1]["components"] = ["group_progress"]
    assert problems(study_data) == ["arms[1].components: group_progress needs peer_group"]


def test_arm_names_are_unique(study_data: dict[str, Any]) -> None:
    study_data["arms"][2]["name"] = "peer"
    assert problems(study_data) == ["arms[2].name: 'peer' is used twice"]


def test_a_trial_needs_two_arms(study_data: dict[str, Any]) -> None:
    study_data["arms"] = study_data["arms"][:1]
    assert problems(study_data) == ["arms: needs at least 2 entries"]


def test_every_arm_needs_an_explanation_in_both_languages(study_data: dict[str, Any]) -> None:
    del study_data["arms"][2]["explanation"]["en"]
    assert problems(study_data) == ["arms[2].explanation.en: required"]


def test_template_missing_in_one_language_is_refused(study_data: dict[str, Any]) -> None:
    del study_data["templates"]["reminder_savings"]["nl"]
    assert problems(study_data) == ["templates.reminder_savings.nl: required"]


def test_template_languages_must_share_placeholders(study_data: dict[str, Any]) -> None:
    study_data["templates"]["curriculum_prompt"]["en"] = "Topic: {topic}"
    assert problems(study_data) == [
        "templates.curriculum_prompt: nl and en use different placeholders: {week} only in nl"
    ]


def test_unknown_placeholder_is_refused(study_data: dict[str, Any]) -> None:
    study_data["templates"]["curriculum_prompt"] = {"nl": "{naam}!", "en": "{naam}!"}
    (line,) = problems(study_data)
    assert line.startswith("templates.curriculum_prompt: unknown placeholder {naam}")


def test_the_retired_public_cheer_says_what_to_use_instead(study_data: dict[str, Any]) -> None:
    study_data["groups"]["public_deposit_congratulation"] = False
    study_data["templates"]["group_deposit_congratulation"] = {"nl": "{member}!", "en": "{member}!"}
    cheer, template = problems(study_data)
    assert cheer.startswith("groups.public_deposit_congratulation: retired")
    assert '"progress_sharing"' in cheer
    assert template.startswith("templates.group_deposit_congratulation: retired")


def test_age_bands_without_gaps(study_data: dict[str, Any]) -> None:
    study_data["age_bands"][2]["min_age"] = 27
    (line, *_) = problems(study_data)
    assert line.startswith("age_bands[2]: leaves a gap after the band before it")


def test_omission_for_an_unknown_age_band_is_refused(study_data: dict[str, Any]) -> None:
    study_data["questionnaires"]["omit"][0]["age_bands"] = ["16-19"]
    (line,) = problems(study_data)
    assert line.startswith("questionnaires.omit[0].age_bands[0]: no age band '16-19'")


def test_omission_of_an_unknown_item_is_refused(study_data: dict[str, Any]) -> None:
    study_data["questionnaires"]["omit"][0]["items"] = ["fse7"]
    (line,) = problems(study_data)
    assert line.startswith("questionnaires.omit[0].items[0]: fse has no item 'fse7'")


def test_unknown_instrument_is_refused(study_data: dict[str, Any]) -> None:
    study_data["questionnaires"]["baseline"] = ["gse", "bdi"]
    (line,) = problems(study_data)
    assert line.startswith("questionnaires.baseline[1]: no instrument 'bdi'")


def test_curriculum_component_needs_topics(study_data: dict[str, Any]) -> None:
    study_data["curriculum"] = []
    (line,) = problems(study_data)
    assert line.startswith("curriculum: an arm has the curriculum component")


def test_curriculum_weeks_run_without_gaps(study_data: dict[str, Any]) -> None:
    study_data["curriculum"][2]["week"] = 4
    assert problems(study_data) == ["curriculum[2].week: must be 3 (weeks run 1, 2, 3, …)"]


def test_survey_times_must_increase(study_data: dict[str, Any]) -> None:
    study_data["schedule"]["survey_times"] = ["P84D", "P42D"]
    assert problems(study_data) == [
        "schedule.survey_times[1]: must come after the survey before it"
    ]


def test_minimum_group_size_may_not_exceed_the_maximum(study_data: dict[str, Any]) -> None:
    study_data["groups"]["min_size"] = 20
    assert problems(study_data) == ["groups.max_size: must not be less than min_size"]


@pytest.mark.parametrize("length", ["P10D", "P14DT12H"])
def test_a_group_cycle_needs_whole_days_and_room_for_a_closing_week(
    study_data: dict[str, Any], length: str
) -> None:
    study_data["groups"]["cycle_length"] = length
    assert problems(study_data) == [
        "groups.cycle_length: must be whole days, at least P14D (a first week and a closing week)"
    ]


def test_the_shipped_study_closes_its_groups_within_the_follow_up_window(
    study_data: dict[str, Any],
) -> None:
    protocol = validate_protocol(study_data)
    length, plan = protocol.groups.cycle_length, protocol.analysis
    assert length is not None
    assert plan is not None
    assert length + protocol.schedule.pool_max_wait <= plan.follow_up
    assert "each group's cycle: 70 days from its formation" in summarize(protocol)


def test_a_placement_step_is_named_once_and_known(study_data: dict[str, Any]) -> None:
    study_data["groups"]["placement_order"] = ["smaller_group", "smaller_group"]
    assert problems(study_data) == ["groups.placement_order: lists a step twice"]
    study_data["groups"]["placement_order"] = ["merge"]
    assert "groups.placement_order[0]: must be one of 'running_group' or 'smaller_group'" in (
        problems(study_data)
    )


def test_unknown_time_zone_is_refused(study_data: dict[str, Any]) -> None:
    study_data["study"]["timezone"] = "Mars/Olympus"
    (line,) = problems(study_data)
    assert line.startswith("study.timezone: unknown time zone")


def test_quiet_hours_with_an_offset_are_refused(study_data: dict[str, Any]) -> None:
    study_data["quiet_hours"]["start"] = "21:00+02:00"
    (line,) = problems(study_data)
    assert line.startswith("quiet_hours.start: give a local time")


def test_unknown_stratification_factor_is_refused(study_data: dict[str, Any]) -> None:
    study_data["stratification"]["by"] = ["track", "gender"]
    (line,) = problems(study_data)
    assert line.startswith("stratification.by[1]: must be one of")


def test_the_peer_arm_ships_with_counsellor_contact(study_data: dict[str, Any]) -> None:
    protocol = validate_protocol(study_data)
    assert protocol.arms_with(Component.COUNSELLOR_CONTACT) == ("peer",)
    assert [reply.key for reply in protocol.inbox.canned] == ["received", "call_me"]


def test_study_check_summarizes_the_inbox(study_data: dict[str, Any]) -> None:
    summary = summarize(validate_protocol(study_data))
    assert (
        "Counsellor inbox (peer): unanswered questions reminded after 1 day, escalated after "
        "3 days; answered ones closed after 7 days; their text kept 30 days after closing; "
        "2 canned replies"
    ) in summary


def test_counsellor_contact_is_allowed_without_a_peer_group(study_data: dict[str, Any]) -> None:
    study_data["arms"][1]["components"] = ["reminder", "counsellor_contact"]
    assert validate_protocol(study_data).arms_with(Component.COUNSELLOR_CONTACT) == (
        "peer",
        "text",
    )


def test_escalation_must_come_after_the_reminder(study_data: dict[str, Any]) -> None:
    study_data["inbox"]["escalate_after"] = "PT12H"
    assert problems(study_data) == ["inbox.escalate_after: must come after remind_after"]


def test_canned_replies_are_named_once(study_data: dict[str, Any]) -> None:
    study_data["inbox"]["canned"][1]["key"] = "received"
    assert problems(study_data) == ["inbox.canned: names a canned reply twice"]


def test_curriculum_weeks_run_per_track(study_data: dict[str, Any]) -> None:
    study_data["curriculum"] = [
        {"track": "savings", "week": 1, "nl": "a", "en": "a"},
        {"track": "jobsearch", "week": 1, "nl": "b", "en": "b"},
        {"track": "jobsearch", "week": 3, "nl": "c", "en": "c"},
    ]
    assert problems(study_data) == ["curriculum[2].week: must be 2 (weeks run 1, 2, 3, …)"]


def test_a_track_without_topics_is_warned_about_and_groups_get_their_tracks_list(
    study_data: dict[str, Any],
) -> None:
    study_data["curriculum"] = [
        {"track": "savings", "week": 1, "nl": "Sparen", "en": "Saving"},
        {"track": "savings", "week": 1, "age_bands": ["16-20"], "nl": "Jong", "en": "Young"},
    ]
    protocol = validate_protocol(study_data)
    assert protocol.curriculum_warnings() == [
        "curriculum: no topics for the jobsearch track, whose peer groups get the curriculum"
    ]
    assert [w.en for w in protocol.curriculum_for("savings", "26-35")] == ["Saving"]
    assert [w.en for w in protocol.curriculum_for("savings", "16-20+21-25")] == ["Young"]
    assert protocol.curriculum_for("jobsearch", "26-35") == ()


def test_the_undo_window_is_the_protocols_and_study_check_says_it(
    study_data: dict[str, Any],
) -> None:
    study_data["corrections"] = {"window": "P3D"}
    protocol = validate_protocol(study_data)
    assert protocol.corrections.window.days == 3
    assert "the last entry can be undone for 3 days" in summarize(protocol)


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ("PT0S", "corrections.window: must be longer than zero"),
        ("7 dagen", "corrections.window: not an ISO-8601 duration (e.g. P7D, PT30S)"),
        (7, 'corrections.window: not an ISO-8601 duration; write it as text, e.g. "P7D"'),
    ],
)
def test_a_window_that_is_no_positive_duration_is_refused_in_plain_words(
    study_data: dict[str, Any], window: object, problem: str
) -> None:
    study_data["corrections"] = {"window": window}
    assert problems(study_data) == [problem]


def test_a_study_that_reminds_needs_three_wordings_of_each_tracks_reminder(
    study_data: dict[str, Any],
) -> None:
    study_data["reminder_variants"] = [
        v for v in study_data["reminder_variants"] if v["track"] == "savings"
    ][:1]
    assert problems(study_data) == [
        "reminder_variants: the savings track has 2 reminder wording(s); give at least 3 "
        '(templates.reminder_savings and [[reminder_variants]] with track = "savings"), so nobody '
        "reads the same reminder week after week",
        "reminder_variants: the jobsearch track has 1 reminder wording(s); give at least 3 "
        '(templates.reminder_jobsearch and [[reminder_variants]] with track = "jobsearch"), so '
        "nobody reads the same reminder week after week",
    ]


def test_a_study_without_reminders_needs_no_more_wordings(study_data: dict[str, Any]) -> None:
    del study_data["reminder_variants"]
    study_data["arms"][1]["components"] = ["congratulation", "encouragement"]
    assert validate_protocol(study_data).reminders_for(Track.SAVINGS)


def test_a_reminder_wording_offers_only_the_reminders_placeholders(
    study_data: dict[str, Any],
) -> None:
    study_data["reminder_variants"][0]["nl"] = "Vorige week: {period_count}."
    study_data["reminder_variants"][0]["en"] = "Last week: {period_count}."
    [problem] = problems(study_data)
    assert problem.startswith("reminder_variants[0]: unknown placeholder {period_count}")


def test_study_check_warns_when_a_weekly_study_speaks_of_a_period(
    study_data: dict[str, Any],
) -> None:
    study_data["templates"]["confirmation_action"]["nl"] = (
        "Genoteerd: {action}. Sollicitaties deze periode: {period_count} van de {goal}."
    )
    assert validate_protocol(study_data).period_wording_warnings() == [
        "templates.confirmation_action.nl: the commitment period is a week; say week, as the "
        "bot's own texts do"
    ]
    assert load_protocol(STUDY_FILE).period_wording_warnings() == []
