"""Instruments as data: complete in both languages, scored as their manuals say, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.protocol import (
    Instrument,
    InstrumentNotFound,
    Language,
    ProtocolError,
    available_instruments,
    load_instrument,
    load_instrument_file,
    next_item,
    score,
)

GSE = load_instrument("gse")
FSE = load_instrument("fse")
JSSE = load_instrument("jsse")


def everyone_answers(instrument: Instrument, answer: int) -> dict[str, int | None]:
    return dict.fromkeys(instrument.item_ids, answer)


def test_the_scales_and_the_context_are_shipped() -> None:
    shipped = ["context", "djg6", "fse", "fwb5", "gse", "instcap", "jsc", "jsse"]
    assert available_instruments() == shipped


@pytest.mark.parametrize(("instrument", "items"), [(GSE, 10), (FSE, 6), (JSSE, 6)])
def test_instruments_have_their_published_length(instrument: Instrument, items: int) -> None:
    assert len(instrument.items) == items


@pytest.mark.parametrize("instrument_id", ["fse", "gse", "jsse"])
def test_every_item_and_answer_label_exists_in_both_languages(instrument_id: str) -> None:
    instrument = load_instrument(instrument_id)
    texts = [(item.nl, item.en) for item in instrument.items]
    texts += [(option.nl, option.en) for option in instrument.answers]
    texts.append((instrument.instructions.nl, instrument.instructions.en))
    assert all(nl.strip() and en.strip() and nl != en for nl, en in texts)


def test_gse_all_ones_score_ten() -> None:
    result = score(GSE, everyone_answers(GSE, 1))
    assert result is not None
    assert result.value == 10


def test_gse_all_fours_score_forty() -> None:
    result = score(GSE, everyone_answers(GSE, 4))
    assert result is not None
    assert result.value == 40


def test_gse_answers_run_from_not_at_all_true_to_exactly_true() -> None:
    assert [option.en for option in GSE.answers] == [
        "Not at all true",
        "Hardly true",
        "Moderately true",
        "Exactly true",
    ]


def test_fse_higher_score_means_more_self_efficacy() -> None:
    # The items are worded negatively ("I lack confidence…"): "not at all true" (4) is efficacy.
    confident = score(FSE, everyone_answers(FSE, 4))
    struggling = score(FSE, everyone_answers(FSE, 1))
    assert confident is not None
    assert struggling is not None
    assert (struggling.value, confident.value) == (6, 24)


def test_fse_answer_four_is_not_at_all_true() -> None:
    assert FSE.answers[-1].value == 4
    assert FSE.answers[-1].label(Language.EN) == "Not at all true"


def test_jsse_score_is_the_mean_answer() -> None:
    answers: dict[str, int | None] = dict(zip(JSSE.item_ids, [1, 2, 3, 4, 5, 3], strict=True))
    result = score(JSSE, answers)
    assert result is not None
    assert result.value == 3.0


def test_gse_with_three_missing_is_prorated_to_ten_items() -> None:
    answers = {item_id: 3 for item_id in GSE.item_ids[:7]}
    result = score(GSE, answers)
    assert result is not None
    assert (result.value, result.missing, result.prorated) == (30.0, 3, True)


def test_gse_with_four_missing_has_no_score() -> None:
    assert score(GSE, {item_id: 3 for item_id in GSE.item_ids[:6]}) is None


def test_skipped_item_counts_as_missing() -> None:
    answers = everyone_answers(FSE, 2) | {"fse3": None, "fse4": None}
    assert score(FSE, answers) is None


def test_without_the_retirement_item_fse_keeps_its_range() -> None:
    youth_items = FSE.item_ids[:5]
    result = score(FSE, dict.fromkeys(youth_items, 4), selected_items=youth_items)
    assert result is not None
    assert (result.value, result.selected, result.missing) == (24.0, 5, 0)


def test_answers_outside_the_selection_are_ignored() -> None:
    youth_items = FSE.item_ids[:5]
    answers = dict.fromkeys(youth_items, 4) | {"fse6": 1}
    result = score(FSE, answers, selected_items=youth_items)
    assert result is not None
    assert result.value == 24.0


def test_answer_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="answer 5 is not one this item offers"):
        score(GSE, {"gse1": 5})


def test_unknown_item_is_refused() -> None:
    with pytest.raises(ValueError, match="no item gse11"):
        score(GSE, {"gse11": 2})


def test_unknown_selected_item_is_refused() -> None:
    with pytest.raises(ValueError, match="no item fse9"):
        next_item(FSE, {}, selected_items=["fse9"])


def test_next_item_resumes_after_the_last_answer() -> None:
    item = next_item(GSE, {"gse1": 2, "gse2": 3})
    assert item is not None
    assert item.id == "gse3"


def test_next_item_passes_over_skipped_items() -> None:
    item = next_item(GSE, {"gse1": 2, "gse2": None})
    assert item is not None
    assert item.id == "gse3"


def test_next_item_leaves_out_unselected_items() -> None:
    answered = dict.fromkeys(FSE.item_ids[:5], 3)
    assert next_item(FSE, answered, selected_items=FSE.item_ids[:5]) is None


def test_next_item_is_none_when_all_are_answered() -> None:
    assert next_item(GSE, everyone_answers(GSE, 2)) is None


@given(
    st.sampled_from([GSE, FSE, JSSE, *map(load_instrument, ["djg6", "fwb5", "jsc", "instcap"])]),
    st.data(),
)
def test_complete_answers_score_within_the_published_range(
    instrument: Instrument, data: st.DataObject
) -> None:
    values = st.integers(instrument.min_answer, instrument.max_answer)
    answers = {item_id: data.draw(values) for item_id in instrument.item_ids}
    result = score(instrument, answers)
    low, high = instrument.score_range()
    assert result is not None
    assert low <= result.value <= high


def test_reverse_keyed_items_are_flipped() -> None:
    instrument = Instrument.model_validate(
        {
            "id": "mini",
            "name": "Mini",
            "citation": "Test",
            "provenance": {
                "status": "not validated",
                "licence": "MIT",
                "wording": "Own.",
                "languages": {"nl": "own wording", "en": "own wording"},
            },
            "instructions": {"nl": "Kies.", "en": "Choose."},
            "answers": [{"value": v, "nl": f"{v}", "en": f"{v}."} for v in (1, 2, 3, 4, 5)],
            "items": [
                {"id": "a", "nl": "Ja", "en": "Yes"},
                {"id": "b", "nl": "Nee", "en": "No", "reverse": True},
            ],
            "scoring": {"method": "sum", "max_missing": 0, "missing_rule": "none missing"},
        }
    )
    result = score(instrument, {"a": 5, "b": 1})
    assert result is not None
    assert result.value == 10


def test_unknown_instrument_is_not_found() -> None:
    with pytest.raises(
        InstrumentNotFound, match="available: context, djg6, fse, fwb5, gse, instcap, jsc, jsse"
    ):
        load_instrument("bdi")


def test_instrument_file_with_a_repeated_item_is_refused(tmp_path: Path) -> None:
    text = (
        Path(__file__).resolve().parents[2] / "experiments/protocol/instruments/fse.toml"
    ).read_text(encoding="utf-8")
    broken = tmp_path / "fse.toml"
    broken.write_text(text.replace('id = "fse2"', 'id = "fse1"'), encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"items\[1\]\.id: 'fse1' is used twice"):
        load_instrument_file(broken)
