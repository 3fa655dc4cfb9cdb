from __future__ import annotations

import pytest

from bot.i18n import Language, MissingText, catalogue, language_from_code, placeholders, text


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
