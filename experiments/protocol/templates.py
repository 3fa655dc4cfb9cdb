"""Protocol texts: plain texts and `{placeholder}` templates, in Dutch and English.

A number that governs words chooses their form with Babel's (CLDR's) plural rules, written as
ICU messages do: `{active, plural, one {# lid heeft} other {# leden hebben}}` (`#` is the
number; `=0 {…}` matches exactly). Only placeholders listed in COUNTS may choose a form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from babel import Locale
from babel.numbers import format_decimal
from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.errors import problem
from experiments.protocol.languages import LANGUAGES, Language

__all__ = [
    "CLDR_FORMS",
    "COUNTS",
    "LANGUAGES",
    "PLACEHOLDERS",
    "Language",
    "LocalizedText",
    "Template",
    "Templates",
    "placeholders_in",
    "plain_forms",
    "whole_number",
]


_DEPOSIT = frozenset({"amount", "total", "period_total", "remaining", "goal"})
_ACTION = frozenset({"action", "period_count", "goal"})
_SURVEY = frozenset({"questions", "minutes"})

# What the bot supplies for each kind of message; a template may use any subset. Listing them
# here turns a typo such as {ammount} into a load-time error instead of a crash at send time.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "confirmation_deposit": _DEPOSIT,
    "confirmation_action": _ACTION,
    "congratulation_deposit": _DEPOSIT,
    "congratulation_action": _ACTION,
    "reminder_savings": frozenset({"goal", "period_total"}),
    "reminder_jobsearch": frozenset({"goal", "period_count"}),
    "encouragement_savings": frozenset({"deposits", "total", "streak"}),
    "encouragement_jobsearch": frozenset({"actions", "applications", "streak"}),
    "survey_invitation": _SURVEY,
    "survey_reminder": _SURVEY,
    "group_progress_savings": frozenset({"active", "members"}),
    "group_progress_jobsearch": frozenset({"active", "members", "applications"}),
    "curriculum_prompt": frozenset({"week", "topic"}),
}


# The placeholders that carry a whole number, per message kind: they may choose a plural form
# ({active, plural, one {# lid heeft} other {# leden hebben}}) and are written the language's
# way. The bot passes them as numbers (a string of digits is read as one).
COUNTS: dict[str, frozenset[str]] = {
    "confirmation_action": frozenset({"period_count", "goal"}),
    "congratulation_action": frozenset({"period_count", "goal"}),
    "reminder_jobsearch": frozenset({"goal", "period_count"}),
    "encouragement_savings": frozenset({"deposits", "streak"}),
    "encouragement_jobsearch": frozenset({"actions", "applications", "streak"}),
    "survey_invitation": _SURVEY,
    "survey_reminder": _SURVEY,
    "group_progress_savings": frozenset({"active", "members"}),
    "group_progress_jobsearch": frozenset({"active", "members"}),
    "curriculum_prompt": frozenset({"week"}),
}
CLDR_FORMS = ("zero", "one", "two", "few", "many", "other")
_SELECTOR = re.compile(r"\s*(=\d+|zero|one|two|few|many|other)\s*\{")
_PLURAL = re.compile(r"\s*plural\s*,")


@dataclass(frozen=True)
class _Field:
    name: str


@dataclass(frozen=True)
class _Plural:
    """`{name, plural, one {…} other {…}}`: the form the number in `name` chooses."""

    name: str
    forms: Mapping[str, tuple[_Part, ...]]


class _Number:
    """`#` inside a plural form: the number that chose it."""


_Part = str | _Field | _Plural | _Number
_HASH = _Number()


# A protocol has a few hundred texts, each validated at load, checked for its placeholders
# several times and parsed again at every rendering: kept once parsed (a malformed text raises
# each time, as exceptions are not cached).
@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[_Part, ...]:
    """A template as literal text, `{placeholders}` and ICU-style plural choices; ValueError for
    malformed or unsafe fields. `{{` and `}}` are literal braces, as in str.format."""
    parts, _ = _sequence(text, 0, nested=False)
    return parts


def _sequence(text: str, at: int, *, nested: bool) -> tuple[tuple[_Part, ...], int]:
    parts: list[_Part] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            parts.append("".join(literal))
            literal.clear()

    while at < len(text):
        char = text[at]
        if text.startswith("{{", at) or (not nested and text.startswith("}}", at)):
            literal.append(char)
            at += 2
        elif char == "{":
            flush()
            field, at = _field(text, at + 1)
            parts.append(field)
        elif char == "}" and nested:
            flush()
            return tuple(parts), at
        elif char == "}":
            raise ValueError("Single '}' encountered in format string")
        elif char == "#" and nested:
            flush()
            parts.append(_HASH)
            at += 1
        else:
            literal.append(char)
            at += 1
    if nested:
        raise ValueError("a plural form is not closed with '}'")
    flush()
    return tuple(parts), at


def _field(text: str, at: int) -> tuple[_Part, int]:
    end = at
    while end < len(text) and text[end] not in "},{":
        end += 1
    if end >= len(text) or text[end] == "{":
        raise ValueError("expected '}' before end of string")
    name = text[at:end].strip() if text[end] == "," else text[at:end]
    if "!" in name or ":" in name:
        raise ValueError(f"{{{name}}} may not carry a format or conversion")
    # Attribute and index access ({x.y}, {x[0]}) could reach into objects; only names.
    if not name.isidentifier():
        raise ValueError(f"{{{name}}} is not a simple placeholder name")
    if text[end] == "}":
        return _Field(name), end + 1
    plural = _PLURAL.match(text, end + 1)
    if plural is None:
        raise ValueError(f"{{{name}, …}} must read {{{name}, plural, one {{…}} other {{…}}}}")
    forms: dict[str, tuple[_Part, ...]] = {}
    at = plural.end()
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at < len(text) and text[at] == "}":
            break
        selector = _SELECTOR.match(text, at)
        if selector is None:
            raise ValueError(f"{{{name}, plural, …}}: each form is one of {CLDR_FORMS} or =N")
        body, at = _sequence(text, selector.end(), nested=True)
        forms[selector.group(1)] = body
        at += 1
    if "other" not in forms:
        raise ValueError(f"{{{name}, plural, …}} needs an 'other' form")
    return _Plural(name, forms), at + 1


def _names(parts: tuple[_Part, ...], *, selectors: bool = False) -> frozenset[str]:
    """The placeholders `parts` use (with `selectors`: only those choosing a plural form)."""
    names: set[str] = set()
    for part in parts:
        if isinstance(part, _Field) and not selectors:
            names.add(part.name)
        elif isinstance(part, _Plural):
            names.add(part.name)
            for body in part.forms.values():
                names |= _names(body, selectors=selectors)
    return frozenset(names)


def placeholders_in(text: str) -> frozenset[str]:
    """The `{names}` a template uses; raise ValueError for malformed or unsafe fields."""
    return _names(_parse(text))


def plain_forms(text: str) -> list[tuple[dict[str, str], str]]:
    """Every plain `{placeholder}` text a template can read as, with the plural form each
    choosing placeholder took in it (`#` becomes that placeholder)."""
    return [(dict(choice), "".join(pieces)) for choice, pieces in _expand(_parse(text), "")]


_Reading = tuple[tuple[tuple[str, str], ...], list[str]]  # the forms chosen, and the pieces


def _expand(parts: tuple[_Part, ...], number: str) -> list[_Reading]:
    readings: list[_Reading] = [((), [])]
    for part in parts:
        options: list[_Reading]
        if isinstance(part, str):
            options = [((), [part.replace("{", "{{").replace("}", "}}")])]
        elif isinstance(part, _Number):
            options = [((), ["{" + number + "}"])]
        elif isinstance(part, _Field):
            options = [((), ["{" + part.name + "}"])]
        else:
            options = [
                (((part.name, form), *choice), pieces)
                for form, body in part.forms.items()
                for choice, pieces in _expand(body, part.name)
            ]
        readings = [(c + d, p + q) for c, p in readings for d, q in options]
    return readings


def whole_number(name: str, value: object) -> int:
    """A count's value as a number (the bot may pass digits as a string); TypeError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise TypeError(f"{{{name}}} chooses a plural form, so it needs a whole number, not {value!r}")


def _render(
    parts: tuple[_Part, ...], language: Language, values: Mapping[str, object], number: str = ""
) -> str:
    words: list[str] = []
    for part in parts:
        if isinstance(part, str):
            words.append(part)
        elif isinstance(part, _Number):
            words.append(number)
        elif isinstance(part, _Field):
            value = values[part.name]
            if isinstance(value, int) and not isinstance(value, bool):
                words.append(format_decimal(value, locale=language.locale))
            else:
                words.append(str(value))
        else:
            count = whole_number(part.name, values[part.name])
            form = str(Locale.parse(language.locale).plural_form(abs(count)))
            body = part.forms.get(f"={count}") or part.forms.get(form) or part.forms["other"]
            written = format_decimal(count, locale=language.locale)
            words.append(_render(body, language, values, written))
    return "".join(words)


class LocalizedText(BaseModel):
    """A plain text in Dutch and English, shown as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def text(self, language: Language) -> str:
        """The text in one language."""
        return self.nl if language == "nl" else self.en


class Template(LocalizedText):
    """A text with `{placeholders}`; both languages must use the same ones."""

    @model_validator(mode="after")
    def _same_placeholders(self) -> Self:
        found: dict[str, frozenset[str]] = {}
        for language in LANGUAGES:
            try:
                found[language] = placeholders_in(self.text(language))
            except ValueError as error:
                raise problem(f"not a valid template: {error}", language) from None
        only_nl, only_en = found["nl"] - found["en"], found["en"] - found["nl"]
        if only_nl or only_en:
            differences = [f"{{{name}}} only in nl" for name in sorted(only_nl)]
            differences += [f"{{{name}}} only in en" for name in sorted(only_en)]
            raise problem("nl and en use different placeholders: " + ", ".join(differences))
        return self

    @property
    def placeholders(self) -> frozenset[str]:
        """The placeholders this template uses."""
        return placeholders_in(self.nl)

    @property
    def selectors(self) -> frozenset[str]:
        """The placeholders whose number chooses a plural form, in either language."""
        return _names(_parse(self.nl), selectors=True) | _names(_parse(self.en), selectors=True)

    def render(self, language: Language, values: Mapping[str, object]) -> str:
        """Fill in the placeholders (numbers written the language's way, plural forms chosen
        by CLDR's rules); raise KeyError naming a value that was not given."""
        missing = self.placeholders - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        return _render(_parse(self.text(language)), language, values)


class Templates(BaseModel):
    """Every message kind the bot sends, as a template per language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    confirmation_deposit: Template
    confirmation_action: Template
    congratulation_deposit: Template
    congratulation_action: Template
    reminder_savings: Template
    reminder_jobsearch: Template
    encouragement_savings: Template
    encouragement_jobsearch: Template
    survey_invitation: Template
    survey_reminder: Template
    group_progress_savings: Template
    group_progress_jobsearch: Template
    curriculum_prompt: Template

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: object) -> object:
        if isinstance(data, dict) and "group_deposit_congratulation" in data:
            raise problem(
                "retired with groups.public_deposit_congratulation: remove it; a member who "
                'opts in to "progress_sharing" is shown in the bot\'s own words',
                "group_deposit_congratulation",
            )
        return data

    @model_validator(mode="after")
    def _known_placeholders(self) -> Self:
        for kind, allowed in PLACEHOLDERS.items():
            unknown = self.get(kind).placeholders - allowed
            if unknown:
                names = ", ".join(f"{{{name}}}" for name in sorted(unknown))
                offered = ", ".join(f"{{{name}}}" for name in sorted(allowed))
                raise problem(f"unknown placeholder {names}; this message offers {offered}", kind)
            not_counts = self.get(kind).selectors - COUNTS.get(kind, frozenset())
            if not_counts:
                names = ", ".join(f"{{{name}}}" for name in sorted(not_counts))
                raise problem(f"{names} is no number, so it cannot choose a plural form", kind)
        return self

    def get(self, kind: str) -> Template:
        """The template for a message kind; raise KeyError for an unknown kind."""
        if kind not in PLACEHOLDERS:
            raise KeyError(f"unknown message kind {kind!r}")
        template: Template = getattr(self, kind)
        return template

    def render(self, kind: str, language: Language, values: Mapping[str, object]) -> str:
        """Render one kind of message in one language."""
        return self.get(kind).render(language, values)
