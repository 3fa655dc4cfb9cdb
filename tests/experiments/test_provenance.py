"""Instruments ship with their provenance: source, wording origin, language versions, licence and
status; a file without them is refused, unclear licences are warned about, the SAP lists them."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.study import study_app
from experiments.protocol import (
    ProtocolError,
    available_instruments,
    load_instrument,
    load_protocol,
    score,
    subscale_scores,
    validate_protocol,
)

from .shipped import STUDY_FILE
from .situation import SITUATION_FILE, study_with_situation

SITUATION = SITUATION_FILE.read_text(encoding="utf-8")
STATUSES = {"validated", "adapted", "not validated", "check the licence before use"}


@pytest.mark.parametrize("instrument_id", available_instruments())
def test_every_shipped_instrument_file_says_its_source_licence_and_status(
    instrument_id: str,
) -> None:
    folder = resources.files("experiments.protocol.instruments")
    data = tomllib.loads(folder.joinpath(f"{instrument_id}.toml").read_text(encoding="utf-8"))
    provenance = data["provenance"]
    assert data["citation"].strip()
    assert provenance["licence"].strip()
    assert provenance["wording"].strip()
    assert provenance["status"] in STATUSES
    assert set(provenance["languages"]) == {"nl", "en"}
    assert load_instrument(instrument_id).provenance.status == provenance["status"]


def test_a_file_without_provenance_is_refused_by_study_check(tmp_path: Path) -> None:
    start = SITUATION.index("\n[provenance]")
    without = SITUATION[:start] + "\n"
    bad = CliRunner().invoke(study_app, ["check", str(study_with_situation(tmp_path, without))])
    assert bad.exit_code != 0
    assert "instruments/situation.toml: provenance: required" in bad.output


def test_a_file_without_a_licence_is_refused_naming_the_line(tmp_path: Path) -> None:
    without = SITUATION.replace('licence = "MIT, as Lotgenoot\'s code."\n', "", 1)
    bad = CliRunner().invoke(study_app, ["check", str(study_with_situation(tmp_path, without))])
    assert bad.exit_code != 0
    line = SITUATION.splitlines().index("[provenance]") + 1
    assert f"instruments/situation.toml, line {line}: provenance.licence: required" in bad.output


def test_a_validated_status_needs_the_published_wording_in_every_language(
    tmp_path: Path,
) -> None:
    claimed = SITUATION.replace('status = "not validated"', 'status = "validated"', 1)
    with pytest.raises(ProtocolError, match=r"provenance\.status: a validated instrument"):
        load_protocol(study_with_situation(tmp_path, claimed))


def test_study_check_shows_provenance_and_warns_on_an_unclear_licence() -> None:
    result = CliRunner().invoke(study_app, ["check", str(STUDY_FILE)])
    assert result.exit_code == 0, result.output
    assert "  gse: adapted; wording: nl our translation, en published; licence:" in result.stdout
    assert "warning: instrument fse: check the licence before use" in result.stdout
    assert "warning: instrument gse" not in result.stdout


def test_de_jong_gierveld_scores_its_subscales_as_the_authors_do() -> None:
    djg = load_instrument("djg6")
    yes, more_or_less, no = 3, 2, 1
    answers = {
        "djg1": yes,  # emptiness: lonely
        "djg2": yes,  # plenty of people to rely on: not lonely
        "djg3": more_or_less,  # trust completely: lonely (social items count "more or less")
        "djg4": no,  # miss people: not lonely
        "djg5": no,  # enough people I feel close to: lonely
        "djg6": more_or_less,  # often rejected: lonely
    }
    total = score(djg, answers)
    parts = subscale_scores(djg, answers)
    assert total is not None
    assert (total.value, total.method) == (4.0, "count")
    emotional, social = parts["djg6_emotional"], parts["djg6_social"]
    assert emotional is not None
    assert social is not None
    assert (emotional.value, social.value) == (2.0, 2.0)
    one_missing = {**answers, "djg4": None}
    total = score(djg, one_missing)
    assert total is not None
    assert total.value == 4.0, "counted among the answered, not prorated"
    assert subscale_scores(djg, one_missing)["djg6_emotional"] is None
    assert score(djg, {**one_missing, "djg5": None}) is None, "two missing: no total"
    assert djg.score_range() == (0.0, 6.0)


def test_the_financial_well_being_sum_is_the_cfpb_total_response_value() -> None:
    fwb = load_instrument("fwb5")
    worst = {"fwb1": 4, "fwb2": 4, "fwb3": 4, "fwb4": 0, "fwb5": 4}
    best = {"fwb1": 0, "fwb2": 0, "fwb3": 0, "fwb4": 4, "fwb5": 0}
    low, high = score(fwb, worst), score(fwb, best)
    assert low is not None
    assert high is not None
    assert (low.value, high.value) == (0.0, 20.0)
    assert score(fwb, {**best, "fwb3": None}) is None, "the CFPB needs every answer"


def test_the_sap_marks_the_institutional_capital_scale_not_validated(
    study_data: dict[str, Any],
) -> None:
    from experiments.outputs.sap import render_markdown

    study_data["questionnaires"]["baseline"] += ["instcap", "djg6"]
    # a pilot: the plan then states no power, so no simulation runs in this test
    study_data["analysis"].update(pilot=True, pilot_reason="a feasibility run of 60")
    protocol = validate_protocol(study_data)
    plan = render_markdown(protocol, "0" * 64, datetime(2026, 1, 1, tzinfo=UTC))
    assert "Instruments and their provenance" in plan
    row = next(line for line in plan.splitlines() if line.startswith("| instcap "))
    assert "| not validated |" in row
    assert "instcap: not validated. Not validated; developed for this study" in plan
    djg = next(line for line in plan.splitlines() if line.startswith("| djg6 "))
    assert "| validated | nl: published, en: published |" in djg


def test_the_export_scores_each_subscale_and_the_codebook_names_it() -> None:
    import pandas as pd  # type: ignore[import-untyped]

    from experiments.outputs.codebook import _dynamic_label
    from experiments.outputs.survey_scores import survey_scores

    given = {"djg1": 3, "djg2": 3, "djg3": 2, "djg4": 1, "djg5": 1, "djg6": 2}
    answers = pd.DataFrame(
        {
            "participant_id": [7] * 6,
            "wave": ["baseline"] * 6,
            "instrument": ["djg6"] * 6,
            "item": list(given),
            "value": list(given.values()),
        }
    )
    people = pd.DataFrame({"id": [7], "age_band": ["26+"]})
    scores = survey_scores(answers, people).set_index("instrument")["score"].to_dict()
    assert scores == {"djg6": 4.0, "djg6_emotional": 2.0, "djg6_social": 2.0}
    label = _dynamic_label("baseline_djg6_social", None)
    assert label == "Baseline DJG6 social loneliness (count, 0-3)"
