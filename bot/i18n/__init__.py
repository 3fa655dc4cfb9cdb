"""Message catalogues (Dutch and English) and the one function that renders a text."""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

from bot.i18n.counts import NUMBERS, chooser
from experiments.protocol import Language

__all__ = [
    "Language",
    "MissingText",
    "catalogue",
    "language_from_code",
    "placeholders",
    "plural",
    "text",
]


class MissingText(KeyError):
    """A text key that the catalogue lacks: a bug, caught by the catalogue tests."""


def language_from_code(code: str | None) -> Language:
    """Telegram's `language_code` → our language: Dutch for nl (and nl-BE), English otherwise."""
    if code and code.lower().split("-")[0] == Language.NL:
        return Language.NL
    return Language.EN


@cache
def catalogue(language: Language) -> dict[str, str]:
    """All texts of one language, flattened to dotted keys ("start.welcome")."""
    raw = (
        resources.files(__package__)
        .joinpath(f"catalogues/{language.value}.toml")
        .read_text(encoding="utf-8")
    )
    return _flatten(tomllib.loads(raw))


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = str(value)
    return flat


def placeholders(template: str) -> set[str]:
    """The {names} a template expects, so tests can compare languages."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(language: Language, key: str, **params: object) -> str:
    """The text for `key` in `language`, with its placeholders filled in.

    For a plural text (a table of CLDR forms) the number in its chooser placeholder
    (bot.i18n.counts) picks the form; numbers are written the language's way ("1.000")."""
    texts = catalogue(language)
    template = texts.get(key)
    if template is None and f"{key}.other" in texts:
        count = params.get(chooser(key))
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"{key} needs a whole number in {{{chooser(key)}}}, not {count!r}")
        template = texts.get(f"{key}.{_plural_form(language, count)}") or texts[f"{key}.other"]
    if template is None:
        raise MissingText(f"{language.value}:{key}")
    return template.format(**_written(language, params))


def _written(language: Language, params: dict[str, object]) -> dict[str, object]:
    """Whole numbers in number placeholders as the language writes them."""
    return {
        name: format_decimal(value, locale=language.locale)
        if name in NUMBERS and isinstance(value, int) and not isinstance(value, bool)
        else value
        for name, value in params.items()
    }


def plural(language: Language, key: str, count: int, **params: object) -> str:
    """The form of `key` that fits `count` by CLDR's plural rules, with {count} filled in.

    In a catalogue a plural text is a table of CLDR categories, `other` always among them:
    `applications = { one = "{count} sollicitatie", other = "{count} sollicitaties" }`.
    """
    form = _plural_form(language, count)
    texts = catalogue(language)
    template = texts.get(f"{key}.{form}") or texts.get(f"{key}.other")
    if template is None:
        raise MissingText(f"{language.value}:{key}.other")
    number = format_decimal(count, locale=language.locale)
    return template.format(count=number, **_written(language, params))


@cache
def _locale(language: Language) -> Locale:
    return Locale.parse(language.locale)


def _plural_form(language: Language, count: int) -> str:
    return str(_locale(language).plural_form(abs(count)))
