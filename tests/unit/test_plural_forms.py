"""Plurals and agreement everywhere (issue 25, build 5): every catalogue and protocol text that
carries a number is rendered with 0, 1, 2 and 5 in both languages, and the words next to the
number must agree with it ("1 ander wacht", never "1 ander wachten" or "1 others are")."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from pydantic import ValidationError

from bot.i18n import Language, catalogue, placeholders, plural, text
from bot.i18n.counts import CHOSEN_BY, CHOSEN_BY_A_LIST, IDENTIFIERS, NUMBERS, WORDS, chooser
from bot.paths import shipped_config
from experiments.protocol import COUNTS, PLACEHOLDERS, Template, Templates, load_protocol

COUNTS_TRIED = (0, 1, 2, 5)
OTHER_NUMBER = 7  # the other numbers in a text, while one is tried
IDENTIFIER = 12

# Words that only go with one (singular) or only with more than one (plural), next to a number.
SINGULAR = {
    Language.NL: {
        "lid", "groepslid", "persoon", "dag", "minuut", "seconde", "vraag", "antwoord",
        "sollicitatie", "sollicitatiegesprek", "waarschuwing", "bericht", "herinnering", "link",
        "teken", "stap", "ander", "heeft", "wacht", "zet", "doet", "is",
    },
    Language.EN: {
        "member", "person", "day", "hour", "minute", "second", "question", "answer",
        "application", "interview", "time", "warning", "message", "reminder", "link",
        "character", "step", "other", "is", "has", "was",
    },
}  # fmt: skip
PLURAL = {
    Language.NL: {
        "leden", "groepsleden", "mensen", "personen", "dagen", "minuten", "seconden", "vragen",
        "antwoorden", "sollicitaties", "sollicitatiegesprekken", "waarschuwingen", "berichten",
        "herinneringen", "links", "tekens", "stappen", "anderen", "hebben", "wachten", "zetten",
        "doen", "zijn",
    },
    Language.EN: {
        "members", "people", "persons", "days", "hours", "minutes", "seconds", "questions",
        "answers", "applications", "interviews", "times", "warnings", "messages", "reminders",
        "links", "characters", "steps", "others", "are", "have", "were",
    },
}  # fmt: skip
# Dutch may put the verb before the number ("Er wachten nu 1 ander", "Deze week hebben 1 van de
# 7"): a plural verb just before 1 is wrong. (A singular verb before a larger number usually
# belongs to another subject: "Vraag #3 heeft al 5 uur geen antwoord".)
PLURAL_VERBS = {Language.NL: {"hebben", "wachten", "zetten", "doen", "zijn"}, Language.EN: set()}
_CLAUSE = re.compile(r"[;:·()\n!?]|[.,](?!\d)")  # a number's words stay within its clause
_WORD = re.compile(r"[\w.,]*\w")


def disagreements(language: Language, words: str, count: int) -> list[str]:
    """Words next to `count` in `words` that do not agree with it."""
    number = format_decimal(count, locale=language.locale)
    wrong = PLURAL[language] if count == 1 else SINGULAR[language]
    found = []
    for clause in _CLAUSE.split(words):
        tokens = [token.lower() for token in _WORD.findall(clause)]
        for at, token in enumerate(tokens):
            if token != number:
                continue
            after = tokens[at + 1 : at + 3]
            if after[:1] not in (["van"], ["of"]):  # "1 van de 7 leden": the noun is the 7's
                found += [f"{count} {word}" for word in after if word in wrong]
            if count == 1:
                before = tokens[max(0, at - 2) : at]
                found += [f"{word} 1" for word in before if word in PLURAL_VERBS[language]]
    return found


_FORMS = ("zero", "one", "two", "few", "many", "other")


def _tables() -> set[str]:
    """The plural texts: keys whose every part is a CLDR form, `other` among them."""
    children: dict[str, set[str]] = {}
    for key in catalogue(Language.EN):
        base, _, last = key.rpartition(".")
        children.setdefault(base, set()).add(last)
    return {base for base, forms in children.items() if "other" in forms <= set(_FORMS)}


def _catalogue_keys() -> dict[str, frozenset[str]]:
    """Every text (a plural table counts once) and the placeholders it uses."""
    keys: dict[str, set[str]] = {}
    tables = _tables()
    for key, template in catalogue(Language.EN).items():
        base = key.rpartition(".")[0]
        keys.setdefault(base if base in tables else key, set()).update(placeholders(template))
    return {key: frozenset(names) for key, names in keys.items()}


def _with_numbers() -> Iterator[tuple[str, str]]:
    for key, names in sorted(_catalogue_keys().items()):
        for name in sorted(names & NUMBERS):
            yield key, name


def _params(names: frozenset[str]) -> dict[str, object]:
    return {
        name: OTHER_NUMBER if name in NUMBERS else IDENTIFIER if name in IDENTIFIERS else "X"
        for name in names
    }


def test_every_catalogue_placeholder_is_a_number_an_identifier_or_words() -> None:
    used = set().union(*_catalogue_keys().values())
    unknown = used - NUMBERS - IDENTIFIERS - WORDS
    assert not unknown, f"register these in bot/i18n/counts.py: {sorted(unknown)}"
    assert not NUMBERS & WORDS
    assert not NUMBERS & IDENTIFIERS
    assert not WORDS & IDENTIFIERS


def test_texts_with_numbers_are_derived_from_the_catalogue() -> None:
    keys = {key for key, _ in _with_numbers()}
    assert {"pool.still_waiting", "alerts.group_small", "inbox.reminder", "groups.bound"} <= keys
    assert len(keys) > 40


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(("key", "number"), list(_with_numbers()))
def test_every_catalogue_text_with_a_number_agrees_with_it(
    language: Language, key: str, number: str
) -> None:
    params = _params(_catalogue_keys()[key])
    for count in COUNTS_TRIED:
        words = text(language, key, **{**params, number: count})
        assert not disagreements(language, words, count), words


def test_every_plural_text_is_chosen_by_a_number_it_shows() -> None:
    keys, tables = _catalogue_keys(), _tables()
    for key in tables:
        assert chooser(key) in NUMBERS, key
        assert chooser(key) in keys[key] or key.startswith(CHOSEN_BY_A_LIST), key
    assert set(CHOSEN_BY) <= tables, "every registered chooser belongs to a plural text"


def _protocols() -> list[Path]:
    return sorted(shipped_config("study.toml").parent.glob("*.toml"))


def _template_cases() -> Iterator[tuple[str, str, str]]:
    for path in _protocols():
        for kind in sorted(COUNTS):
            for name in sorted(COUNTS[kind]):
                yield path.name, kind, name


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(("protocol", "kind", "number"), list(_template_cases()))
def test_every_shipped_protocol_text_with_a_count_agrees_with_it(
    language: Language, protocol: str, kind: str, number: str
) -> None:
    template = load_protocol(shipped_config(protocol)).templates.get(kind)
    if number not in template.placeholders:
        return
    values: dict[str, object] = {
        name: OTHER_NUMBER if name in COUNTS[kind] else "X" for name in template.placeholders
    }
    for count in COUNTS_TRIED:
        words = template.render(language, {**values, number: count})
        assert not disagreements(language, words, count), words


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("protocol", [path.name for path in _protocols()])
def test_every_reminder_wording_with_a_count_agrees_with_it(
    language: Language, protocol: str
) -> None:
    for variant in load_protocol(shipped_config(protocol)).reminder_variants:
        counts = COUNTS.get(f"reminder_{variant.track}", frozenset())
        values = {name: OTHER_NUMBER if name in counts else "X" for name in variant.placeholders}
        for number in counts & variant.placeholders:
            for count in COUNTS_TRIED:
                words = variant.render(language, {**values, number: count})
                assert not disagreements(language, words, count), words


def test_every_count_of_a_message_kind_is_one_it_offers() -> None:
    for kind, counts in COUNTS.items():
        assert counts <= PLACEHOLDERS[kind], kind


# --- the texts the review found wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [(Language.NL, "nog 1 persoon van"), (Language.EN, "1 more person of")],
)
def test_one_more_person_needed_reads_singular(language: Language, expected: str) -> None:
    more = plural(language, "pool.more", 1)
    days = plural(language, "pool.days", 1)
    words = text(language, "pool.still_waiting", track="X", more=more, days=days)
    assert expected in words


def test_one_active_group_member_reads_singular_in_the_group_post() -> None:
    template = load_protocol(shipped_config("study.toml")).templates.get("group_progress_savings")
    words = template.render(Language.NL, {"active": 1, "members": 7})
    assert words.startswith("Deze week heeft 1 van de 7 groepsleden gespaard")
    assert template.render(Language.NL, {"active": 3, "members": 7}).startswith(
        "Deze week hebben 3 van de 7 groepsleden"
    )


def test_the_counsellors_group_line_never_says_one_take_a_step() -> None:
    words = text(
        Language.NL,
        "counsellor.line_jobsearch",
        head="#1",
        joined=7,
        members=9,
        messages=1,
        doing=1,
    )
    assert "1 zetten" not in words
    assert "1 berichten" not in words
    assert "deze week 1 bericht;" in words


def test_protocol_numbers_are_written_the_languages_way() -> None:
    template = Template(nl="{n, plural, one {# vraag} other {# vragen}}", en="{n}")
    assert template.render(Language.NL, {"n": 1000}) == "1.000 vragen"
    assert template.render(Language.EN, {"n": 1000}) == "1,000"


def test_an_exact_form_wins_over_the_cldr_form() -> None:
    template = Template(
        nl="{n, plural, =0 {niemand} one {# persoon} other {# mensen}}", en="{n} people"
    )
    assert [template.render(Language.NL, {"n": n}) for n in (0, 1, 2)] == [
        "niemand",
        "1 persoon",
        "2 mensen",
    ]


def test_a_count_given_as_digits_still_chooses_its_form() -> None:
    template = Template(nl="{n, plural, one {# stap} other {# stappen}}", en="{n} steps")
    assert template.render(Language.NL, {"n": "1"}) == "1 stap"


@pytest.mark.parametrize(
    "broken",
    [
        "{n, plural, one {# stap}}",  # no other form
        "{n, plural, een {# stap} other {# stappen}}",  # no CLDR form
        "{n, select, one {# stap} other {# stappen}}",  # only plural choices
        "{n, plural, one {# stap} other {# stappen}",  # not closed
    ],
)
def test_malformed_plural_choices_are_refused(broken: str) -> None:
    with pytest.raises(ValidationError):
        Template(nl=broken, en=broken)


def test_a_plural_choice_on_something_that_is_no_number_is_refused_by_study_check() -> None:
    data: dict[str, Mapping[str, str]] = {
        kind: {"nl": "tekst", "en": "text"} for kind in PLACEHOLDERS
    }
    data["confirmation_deposit"] = {
        "nl": "{amount, plural, one {x} other {y}}",
        "en": "{amount, plural, one {x} other {y}}",
    }
    with pytest.raises(ValidationError, match="is no number"):
        Templates.model_validate(data)


@pytest.mark.parametrize(
    ("language", "words", "count"),
    [
        (Language.EN, "1 other are waiting with you now", 1),
        (Language.NL, "Er wachten nu 1 ander met je mee", 1),
        (Language.NL, "Deze week hebben 1 van de 7 groepsleden gespaard", 1),
        (Language.NL, "deze week 3 berichten, 1 zetten een stap", 1),
        (Language.EN, "Group #3 has only 5 member left", 5),
    ],
)
def test_the_agreement_check_catches_the_mistakes_the_review_found(
    language: Language, words: str, count: int
) -> None:
    assert disagreements(language, words, count)
