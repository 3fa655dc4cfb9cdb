"""Item types: single and multiple choice, numbers, yes/no and "prefer not to say", checked
where a study writes them and scored only where the instrument is a scale."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.study import study_app
from experiments.protocol import (
    PREFER_NOT_TO_SAY,
    Instrument,
    ProtocolError,
    load_instrument,
    load_protocol,
    score,
)

from .situation import SITUATION_FILE, study_with_situation

SITUATION = SITUATION_FILE.read_text(encoding="utf-8")
CONTEXT = load_instrument("context")


def _problem(tmp_path: Path, broken: str) -> str:
    assert broken != SITUATION, "the test did not break anything"
    with pytest.raises(ProtocolError) as raised:
        load_protocol(study_with_situation(tmp_path, broken))
    return str(raised.value)


def test_a_study_asks_its_own_context_file_with_every_item_type(tmp_path: Path) -> None:
    plan = load_protocol(study_with_situation(tmp_path)).questionnaires
    situation = plan.instrument("situation")
    assert [item.type for item in situation.items] == [
        "single", "yes_no", "multiple", "number", "number",
    ]  # fmt: skip
    benefit, arrears, contacts, months, children = situation.items
    assert [o.en for o in situation.options(benefit)] == [
        "Social assistance", "Unemployment benefit", "None",
    ]  # fmt: skip
    assert [(o.value, o.nl) for o in situation.options(arrears)] == [(1, "Ja"), (0, "Nee")]
    assert months.typed
    assert situation.options(months) == ()
    assert not children.typed
    assert [o.value for o in situation.options(children)] == [0, 1, 2, 3]
    assert situation.accepts(contacts, 0b101)
    assert not situation.accepts(contacts, 0b1000)
    assert situation.accepts(benefit, PREFER_NOT_TO_SAY)
    assert not situation.accepts(contacts, PREFER_NOT_TO_SAY), "not offered on this item"


def test_study_check_accepts_the_protocol_and_names_the_line_of_a_broken_copy(
    tmp_path: Path,
) -> None:
    good = CliRunner().invoke(study_app, ["check", str(study_with_situation(tmp_path))])
    assert good.exit_code == 0, good.output
    assert "the study's own instrument situation: instruments/situation.toml" in good.stdout
    broken = SITUATION.replace('type = "single"\n', 'type = "multiple"\n', 1).replace(
        "value = 1, nl", "value = 13, nl", 1
    )
    folder = tmp_path / "broken"
    folder.mkdir()
    bad = CliRunner().invoke(study_app, ["check", str(study_with_situation(folder, broken))])
    assert bad.exit_code != 0
    assert "instruments/situation.toml, line 20: items[0].options[0].value: a " in bad.output
    assert "multiple-choice option's value is 0-12" in bad.output


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            (
                '    { value = 2, nl = "WW", en = "Unemployment benefit" },\n'
                '    { value = 0, nl = "Geen", en = "None" },\n',
                "",
            ),
            "line 19: items[0].options: a single-choice item needs at least 2 options",
        ),
        (
            ("min = 0\nmax = 120\n", "min = 0\n"),
            "line 43: items[3].max: a number item needs a range",
        ),
        (
            ("min = 0\nmax = 3\n", 'min = 0\nmax = 30\ninput = "buttons"\n'),
            "line 57: items[4].input: buttons fit at most 11 values",
        ),
        (
            ('value = 0, nl = "Geen"', 'value = -1, nl = "Geen"'),
            "line 16: items[0].prefer_not_to_say: -1 is the code for",
        ),
        (
            ('id = "arrears"\n', 'id = "arrears"\nreverse = true\n'),
            "line 27: items[1].reverse: only a likert item",
        ),
        (('kind = "context"\n', ""), "line 14: items[0].type: a scale scores likert items only"),
    ],
    ids=["one option", "no max", "too many buttons", "code -1 taken", "reverse yes/no", "scale"],
)
def test_a_broken_item_is_named_with_its_line(
    tmp_path: Path, change: tuple[str, str], said: str
) -> None:
    assert said in _problem(tmp_path, SITUATION.replace(*change, 1))


def test_a_context_instrument_has_no_scoring_rule(tmp_path: Path) -> None:
    scoring = '\n[scoring]\nmethod = "sum"\nmax_missing = 0\nmissing_rule = "none"\n'
    broken = SITUATION.replace("[instructions]", scoring.lstrip() + "\n[instructions]", 1)
    assert "scoring: a context instrument has no score" in _problem(tmp_path, broken)


def test_context_answers_have_no_score() -> None:
    answers = {"benefit": 1, "debts": 2, "home_language": 0b11, "motivation": 4}
    assert score(CONTEXT, answers) is None


def test_prefer_not_to_say_counts_as_missing_in_a_scale() -> None:
    data = load_instrument("gse").model_dump()
    for item in data["items"]:
        item["prefer_not_to_say"] = True
    gse = Instrument.model_validate(data)
    answers: dict[str, int | None] = dict.fromkeys(gse.item_ids, 3)
    answers["gse1"] = PREFER_NOT_TO_SAY
    result = score(gse, answers)
    assert result is not None
    assert (result.answered, result.missing, result.value) == (9, 1, 30.0)


def test_the_shipped_context_asks_what_the_review_names_each_in_both_languages() -> None:
    assert CONTEXT.kind == "context"
    assert CONTEXT.scoring is None
    assert CONTEXT.item_ids == (
        "benefit", "household", "income", "debts", "gender", "education", "home_language",
        "motivation", "support",
    )  # fmt: skip
    for item in CONTEXT.items:
        assert item.nl.strip()
        assert item.en.strip()
        assert item.nl != item.en
        assert len(item.nl.split()) <= 15, f"{item.id}: one short question (A2)"
        for option in CONTEXT.options(item):
            assert option.nl.strip()
            assert option.en.strip()
    sensitive = {"benefit", "household", "income", "debts", "gender", "education"}
    assert sensitive <= {item.id for item in CONTEXT.items if item.prefer_not_to_say}
    assert "Licence" in CONTEXT.notes
    assert "Own wording" in CONTEXT.citation
