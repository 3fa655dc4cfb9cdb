"""The test helper that tells which catalogue text (or protocol template) a message is."""

from __future__ import annotations

import pytest

from bot.i18n import Language, MissingText, plural, text
from tests.texts import (
    expected,
    filled,
    intake_done,
    protocol_said,
    protocol_text,
    said,
    shipped_protocol,
    topic,
)


def test_a_rendered_text_is_said_with_its_parameters_and_without() -> None:
    message = text(Language.NL, "fallback.did_you_mean", command="/applied 2")
    assert said(message, "fallback.did_you_mean", command="/applied 2")
    assert said(message, "fallback.did_you_mean")


def test_a_wrong_parameter_or_another_key_or_language_is_not_said() -> None:
    message = text(Language.NL, "fallback.did_you_mean", command="/applied 2")
    assert not said(message, "fallback.did_you_mean", command="/applied 3")
    assert not said(message, "fallback.unknown_command")
    assert not said(message, "fallback.did_you_mean", language=Language.EN)
    assert not said("Dat ken ik niet.", "fallback.did_you_mean")


def test_some_parameters_known_and_the_rest_open() -> None:
    message = text(Language.NL, "counsellor.week_savings", doing=2, joined=3)
    assert said(message, "counsellor.week_savings", doing=2)
    assert not said(message, "counsellor.week_savings", doing=3, joined=3)


def test_is_means_the_whole_message_and_within_means_a_part_of_it() -> None:
    part = text(Language.NL, "inbox.sent")
    message = f"{part}\n\n{text(Language.NL, 'help.counsellor')}"
    assert not said(message, "inbox.sent")
    assert said(message, "inbox.sent", within=True)
    assert said(message, "help.counsellor", within=True)
    assert not said(message, "inbox.closed", within=True, ticket=1)


def test_within_a_message_a_value_is_not_found_inside_a_longer_word() -> None:
    line = text(
        Language.NL, "reports.line", report=1, group=1, when="nu", tag="A", words="Stomme vraag"
    )
    message = f"{text(Language.NL, 'reports.open')}\n{line}"
    assert said(message, "reports.line", within=True, words="Stomme vraag")
    assert not said(message, "reports.line", within=True, words="Stom")


def test_an_open_placeholder_needs_some_text_and_regex_characters_are_literal() -> None:
    # "{rights}" stands for at least one character; "(" and "." in the text are not regex
    assert not said(text(Language.NL, "groups.bind_not_admin", rights=""), "groups.bind_not_admin")
    not_joined = text(Language.NL, "join.not_joined", assigned=0, never=2)
    assert said(not_joined, "join.not_joined")
    assert not said(not_joined.replace(".", "x"), "join.not_joined")


def test_a_plural_key_takes_the_form_its_count_chooses() -> None:
    one = plural(Language.NL, "join.reminders", 1)
    two = plural(Language.NL, "join.reminders", 2)
    assert said(one, "join.reminders", count=1)
    assert said(two, "join.reminders", count=2)
    assert not said(two, "join.reminders", count=1)
    assert not said("2 herinnering", "join.reminders", count=2)
    assert said(one, "join.reminders")
    assert said(two, "join.reminders")


def test_a_plural_count_is_written_as_the_language_writes_numbers() -> None:
    message = plural(Language.NL, "count.applications", 1234)
    assert message == "1.234 sollicitaties"
    assert said(message, "count.applications", count=1234)


def test_an_unknown_key_or_parameter_is_a_mistake_in_the_test() -> None:
    with pytest.raises(MissingText):
        said("anything", "no.such.key")
    with pytest.raises(ValueError, match="no placeholder amount"):
        said("anything", "inbox.sent", amount=3)


def test_protocol_templates_are_said_by_their_kind() -> None:
    template = shipped_protocol().templates.get("confirmation_action")
    message = template.render(
        Language.NL, {"action": "een sollicitatie", "period_count": 1, "goal": 3}
    )
    assert protocol_said(message, "confirmation_action", period_count=1, goal=3)
    assert not protocol_said(message, "confirmation_action", period_count=2, goal=3)
    assert not protocol_said(message, "congratulation_action")


def test_filled_leaves_a_template_without_placeholders_as_written() -> None:
    assert filled("a.b (c)").fullmatch("a.b (c)")
    assert not filled("a.b (c)").fullmatch("axb (c)")


def test_a_plural_whose_text_does_not_show_the_count_is_chosen_by_it() -> None:
    many = plural(Language.NL, "join.welcome", 3, names="A, B en C")
    assert said(many, "join.welcome", count=3, names="A, B en C")
    assert not said(many, "join.welcome", count=1, names="A, B en C")
    assert said(many, "join.welcome")


def test_intake_done_is_the_arm_explained_its_week_and_for_the_peer_arm_the_wait() -> None:
    peer = shipped_protocol().arm("peer").explanation.text(Language.NL)
    week = text(Language.NL, "period.week_starts", day="maandag")
    done = intake_done("peer")
    waiting = text(Language.NL, "pool.entered")
    assert said(done, "intake.done", explanation=f"{peer} {week}\n\n{waiting}")


def test_protocol_text_renders_a_kind_and_topic_reads_the_curriculum() -> None:
    week_one = topic("savings", 1)
    prompt = protocol_text("curriculum_prompt", week=1, topic=week_one)
    assert week_one in prompt
    assert protocol_said(prompt, "curriculum_prompt", week=1, topic=week_one)
    assert not protocol_said(prompt, "curriculum_prompt", week=2)
    assert topic("jobsearch", 1) != week_one


def test_expected_is_text_but_refuses_a_value_the_text_does_not_show() -> None:
    assert expected("counsellor.week_savings", doing=2, joined=3) == text(
        Language.NL, "counsellor.week_savings", doing=2, joined=3
    )
    assert text(Language.NL, "inbox.sent", count=3) == text(Language.NL, "inbox.sent")
    with pytest.raises(ValueError, match="no placeholder count"):
        expected("inbox.sent", count=3)
    with pytest.raises(ValueError, match="no placeholder amount"):
        protocol_text("reminder_savings", goal="€ 10", amount="€ 5")


def test_expected_takes_a_plural_by_its_count() -> None:
    assert expected("join.reminders", count=2) == plural(Language.NL, "join.reminders", 2)
    assert expected("join.welcome", count=1, names="A") == plural(
        Language.NL, "join.welcome", 1, names="A"
    )
    with pytest.raises(ValueError, match="give its count"):
        expected("join.reminders")
