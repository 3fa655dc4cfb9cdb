from __future__ import annotations

import pytest
from pydantic import ValidationError

from experiments.protocol import PLACEHOLDERS, Language, Template, Templates, placeholders_in


def test_placeholders_are_found_and_escaped_braces_ignored() -> None:
    assert placeholders_in("Saved {amount} of {goal} {{not this}}") == {"amount", "goal"}


@pytest.mark.parametrize("text", ["{amount.__class__}", "{values[0]}", "{amount!r}", "{x:>10}"])
def test_placeholders_beyond_plain_names_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"placeholder|format"):
        placeholders_in(text)


def test_unbalanced_braces_are_refused() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is Python's own
        placeholders_in("Saved {amount")


def test_render_fills_in_the_chosen_language() -> None:
    template = Template(nl="Je spaarde {amount}.", en="You saved {amount}.")
    assert template.render(Language.NL, {"amount": "€12,50"}) == "Je spaarde €12,50."


def test_render_names_a_missing_value() -> None:
    template = Template(nl="{amount} van {goal}", en="{amount} of {goal}")
    with pytest.raises(KeyError, match="goal"):
        template.render(Language.EN, {"amount": "€5,00"})


def test_languages_with_different_placeholders_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"\{total\} only in nl"):
        Template(nl="Totaal {total}", en="Total")


def test_empty_text_is_refused() -> None:
    with pytest.raises(ValidationError):
        Template(nl="", en="Hello")


def test_every_message_kind_has_a_placeholder_list() -> None:
    assert set(Templates.model_fields) == set(PLACEHOLDERS)


def test_unknown_message_kind_is_a_key_error() -> None:
    templates = Templates.model_validate(
        {kind: {"nl": "tekst", "en": "text"} for kind in PLACEHOLDERS}
    )
    with pytest.raises(KeyError, match="unknown message kind"):
        templates.get("fireworks")
