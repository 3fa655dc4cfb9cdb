"""Instruments are study files: a protocol names its own beside it, checked, hashed, asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.protocol import ProtocolError, Track, load_protocol

from .shipped import STUDY_FILE

HOPE = """\
id = "hope"
name = "Hope for the coming year"
citation = "Developed for this study (not validated)."

[provenance]
status = "not validated"
licence = "MIT"
wording = "Own wording."
languages = { nl = "own wording", en = "own wording" }

[instructions]
nl = "Hoe goed past elke zin bij jou?"
en = "How true is each sentence for you?"

[scoring]
method = "mean"
max_missing = 0
missing_rule = "Both answers are needed."

[[answers]]
value = 1
nl = "Niet waar"
en = "Not true"

[[answers]]
value = 2
nl = "Waar"
en = "True"

[[items]]
id = "hope_1"
nl = "Ik denk dat ik dit jaar werk vind."
en = "I think I will find work this year."

[[items]]
id = "hope_2"
nl = "Ik denk dat ik dit jaar kan sparen."
en = "I think I can save this year."
"""


def _study_with(folder: Path, instrument: str, *, file: str = "instruments/hope.toml") -> Path:
    text = STUDY_FILE.read_text(encoding="utf-8").replace(
        'baseline = ["gse", "fse", "jsse", "context"]',
        f'baseline = ["gse", "fse", "jsse", "context", "hope"]\nfiles = ["{file}"]',
        1,
    )
    (folder / "instruments").mkdir(exist_ok=True)
    (folder / "instruments" / "hope.toml").write_text(instrument, encoding="utf-8")
    protocol = folder / "study.toml"
    protocol.write_text(text, encoding="utf-8")
    return protocol


def test_a_protocol_asks_an_instrument_file_of_its_own_beside_it(tmp_path: Path) -> None:
    protocol = load_protocol(_study_with(tmp_path, HOPE))
    plan = protocol.questionnaires
    assert plan.instruments_for("baseline", Track.SAVINGS) == ("gse", "fse", "context", "hope")
    assert plan.instrument("hope").item_ids == ("hope_1", "hope_2")
    assert plan.instrument("gse").id == "gse", "shipped instruments stay available by id"
    assert list(plan.file_hashes()) == ["instruments/hope.toml"]


def test_a_broken_instrument_file_is_refused_naming_the_file_and_the_line(
    tmp_path: Path,
) -> None:
    broken = HOPE.replace('en = "True"\n', "", 1)
    with pytest.raises(ProtocolError) as raised:
        load_protocol(_study_with(tmp_path, broken))
    message = str(raised.value)
    assert "questionnaires.files: instruments/hope.toml, line 25: answers[1].en" in message


def test_a_missing_instrument_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as raised:
        load_protocol(_study_with(tmp_path, HOPE, file="instruments/nope.toml"))
    assert "instruments/nope.toml: cannot read the file" in str(raised.value)


def test_an_instrument_file_may_not_take_a_shipped_instruments_id(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as raised:
        load_protocol(_study_with(tmp_path, HOPE.replace('id = "hope"', 'id = "gse"', 1)))
    assert "id 'gse' is a shipped instrument's" in str(raised.value)


def test_the_registered_hash_changes_when_an_instrument_file_changes(tmp_path: Path) -> None:
    before = load_protocol(_study_with(tmp_path, HOPE)).sha256()
    after = load_protocol(_study_with(tmp_path, HOPE.replace("dit jaar werk", "werk"))).sha256()
    assert before is not None
    assert before != after


def test_a_protocol_without_instrument_files_keeps_its_files_hash() -> None:
    import hashlib

    protocol = load_protocol(STUDY_FILE)
    assert protocol.sha256() == hashlib.sha256(STUDY_FILE.read_bytes()).hexdigest()


def test_the_json_form_carries_the_study_instruments_without_the_files(tmp_path: Path) -> None:
    from experiments.protocol import validate_protocol

    protocol = load_protocol(_study_with(tmp_path, HOPE))
    again = validate_protocol(protocol.model_dump(mode="json"))
    assert again.questionnaires.instrument("hope") == protocol.questionnaires.instrument("hope")
