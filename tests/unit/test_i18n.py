from __future__ import annotations

import pytest

from bot.i18n import (
    Language,
    MissingText,
    catalogue,
    language_from_code,
    placeholders,
    plural,
    text,
)
from bot.services.participants.money import format_amount


def test_every_text_exists_in_every_language() -> None:
    keys = {language: set(catalogue(language)) for language in Language}
    every = set().union(*keys.values())
    for language, present in keys.items():
        assert every - present == set(), f"missing in {language.value}"


def test_translations_expect_the_same_placeholders() -> None:
    dutch, english = catalogue(Language.NL), catalogue(Language.EN)
    for key, template in dutch.items():
        assert placeholders(template) == placeholders(english[key]), key


@pytest.mark.parametrize(
    ("code", "expected"),
    [("nl", Language.NL), ("nl-BE", Language.NL), ("en", Language.EN), ("de", Language.EN)],
)
def test_language_follows_telegram_language_code(code: str, expected: Language) -> None:
    assert language_from_code(code) is expected


def test_unknown_language_code_means_english() -> None:
    assert language_from_code(None) is Language.EN


def test_text_fills_placeholders() -> None:
    assert "Sanne" in text(Language.NL, "start.welcome", name="Sanne")


def test_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(MissingText):
        text(Language.EN, "no.such.key")


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        (Language.NL, 1, "1 sollicitatie"),
        (Language.NL, 2, "2 sollicitaties"),
        (Language.NL, 0, "0 sollicitaties"),
        (Language.NL, 1000, "1.000 sollicitaties"),
        (Language.EN, 1, "1 application"),
        (Language.EN, 2, "2 applications"),
        (Language.EN, 0, "0 applications"),
        (Language.EN, 1000, "1,000 applications"),
    ],
)
def test_plural_texts_follow_cldr_rules(language: Language, count: int, expected: str) -> None:
    assert plural(language, "count.applications", count) == expected


def test_every_plural_text_has_the_other_form_in_every_language() -> None:
    for language in Language:
        texts = catalogue(language)
        tables = {key.rsplit(".", 1)[0] for key in texts if key.endswith(".one")}
        assert tables, "no plural texts found"
        for table in tables:
            assert f"{table}.other" in texts, f"{language.value}:{table}"


def test_progress_of_one_application_is_singular() -> None:
    words = text(
        Language.NL,
        "progress.jobsearch",
        applications=plural(Language.NL, "count.applications", 1),
        interviews=plural(Language.NL, "count.interviews", 1),
        period_count=1,
        goal=plural(Language.NL, "count.applications", 3),
    )
    assert "1 sollicitatie en 1 sollicitatiegesprek" in words
    assert "1 sollicitaties" not in words


@pytest.mark.parametrize(
    ("language", "cents", "expected"),
    [
        (Language.NL, 1250, "€\u00a012,50"),
        (Language.EN, 1250, "€12.50"),
        (Language.NL, 50, "€\u00a00,50"),
        (Language.EN, 123456, "€1,234.56"),
        (Language.EN, -1000, "-€10"),
    ],
)
def test_money_reads_as_cldr_writes_it(language: Language, cents: int, expected: str) -> None:
    assert format_amount(cents, language) == expected
