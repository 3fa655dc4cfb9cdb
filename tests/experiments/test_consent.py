"""The consent is the study's: required lines, the information sheet, its words' hash."""

from __future__ import annotations

from typing import Any

import pytest

from experiments.protocol import Language, ProtocolError, validate_protocol


def _without(study_data: dict[str, Any], *path: str) -> dict[str, Any]:
    consent = {**study_data["consent"]}
    if len(path) == 1:
        del consent[path[0]]
    else:
        consent[path[0]] = {k: v for k, v in consent[path[0]].items() if k != path[1]}
    return {**study_data, "consent": consent}


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(ProtocolError) as raised:
        validate_protocol(data)
    return str(raised.value)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_consent_without_the_voluntariness_line_is_refused_in_either_language(
    study_data: dict[str, Any], language: str
) -> None:
    assert "consent.voluntary" in _problems(_without(study_data, "voluntary", language))


def test_a_consent_without_the_voluntariness_line_at_all_is_refused(
    study_data: dict[str, Any],
) -> None:
    assert "consent.voluntary" in _problems(_without(study_data, "voluntary"))


@pytest.mark.parametrize("field", ["controller", "contact", "ethics_approval", "retention"])
def test_the_information_sheet_names_who_is_responsible_whom_to_ask_and_who_approved(
    study_data: dict[str, Any], field: str
) -> None:
    assert f"consent.information.{field}" in _problems(_without(study_data, "information", field))


def test_a_study_that_keeps_the_research_record_must_say_so_in_its_consent(
    study_data: dict[str, Any],
) -> None:
    assert study_data["study"]["keep_research_data_after_erasure"] is True
    assert "consent.research_record_kept" in _problems(_without(study_data, "research_record_kept"))


def test_a_study_that_deletes_the_research_record_must_not_say_it_is_kept(
    study_data: dict[str, Any],
) -> None:
    study = {**study_data["study"], "keep_research_data_after_erasure": False}
    assert "consent.research_record_kept" in _problems({**study_data, "study": study})


def test_the_consent_message_carries_every_required_line_and_the_information_sheet(
    study_data: dict[str, Any],
) -> None:
    protocol = validate_protocol(study_data)
    dutch = protocol.consent.text(Language.NL, "2026-01")
    assert "Meedoen is vrijwillig en heeft geen gevolgen voor je uitkering." in dutch
    assert "Hij blijft, ook als je alles wist." in dutch
    assert "Goedgekeurd door: example-2026-001" in dutch
    assert "Versie: 2026-01" in dutch
    assert dutch.endswith("Doe je mee?")
    english = protocol.consent.text(Language.EN, "2026-01")
    assert "Taking part is voluntary and has no effect on your benefit." in english
    assert english.endswith("Do you want to take part?")


def test_the_hash_changes_with_the_words_in_either_language(study_data: dict[str, Any]) -> None:
    before = validate_protocol(study_data).consent.sha256()
    consent = {**study_data["consent"]}
    consent["voluntary"] = {**consent["voluntary"], "en": "Taking part is up to you."}
    after = validate_protocol({**study_data, "consent": consent}).consent.sha256()
    assert len(before) == 64
    assert before != after


def test_study_check_warns_while_the_information_sheet_holds_the_example_values(
    study_data: dict[str, Any],
) -> None:
    protocol = validate_protocol(study_data)
    assert len(protocol.consent.warnings()) == 3
    information = {
        **study_data["consent"]["information"],
        "controller": "Gemeente Utrecht",
        "contact": "onderzoek@utrecht.nl",
        "ethics_approval": "METC 26-123",
    }
    real = {**study_data, "consent": {**study_data["consent"], "information": information}}
    assert validate_protocol(real).consent.warnings() == []
