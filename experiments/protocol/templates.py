"""Protocol texts: plain texts and `{placeholder}` templates, in Dutch and English."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.errors import problem
from experiments.protocol.languages import LANGUAGES, Language

__all__ = [
    "LANGUAGES",
    "PLACEHOLDERS",
    "Language",
    "LocalizedText",
    "Template",
    "Templates",
    "placeholders_in",
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


def placeholders_in(text: str) -> frozenset[str]:
    """The `{names}` a template uses; raise ValueError for malformed or unsafe fields."""
    names: set[str] = set()
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        # Attribute and index access ({x.y}, {x[0]}) could reach into objects; only names.
        if not field.isidentifier():
            raise ValueError(f"{{{field}}} is not a simple placeholder name")
        if spec or conversion:
            raise ValueError(f"{{{field}}} may not carry a format or conversion")
        names.add(field)
    return frozenset(names)


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

    def render(self, language: Language, values: Mapping[str, object]) -> str:
        """Fill in the placeholders; raise KeyError naming a value that was not given."""
        missing = self.placeholders - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        return self.text(language).format_map(values)


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
