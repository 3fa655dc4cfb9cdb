"""Where an instrument's wording comes from, in which languages, under which licence, and how
far it may be trusted: every instrument file says so in its `[provenance]` table.

The source itself is the instrument's `citation`. `status` is one of:
- `validated`: the wording as published in a validated version, in every language asked;
- `adapted`: a validated instrument, but some wording is ours (a translation, shorter sentences);
- `not validated`: own items, or items whose published wording we could not find;
- `check the licence before use`: the licence is unclear or asks for permission; `study check`
  warns, and the study team must settle it before fielding the instrument.
"""

from __future__ import annotations

from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.protocol.errors import problem
from experiments.protocol.languages import LANGUAGES, Language

__all__ = [
    "CHECK_LICENCE",
    "NOT_VALIDATED",
    "LanguageOrigin",
    "Provenance",
    "ProvenanceStatus",
]

ProvenanceStatus = Literal["validated", "adapted", "not validated", "check the licence before use"]
LanguageOrigin = Literal["published", "our translation", "own wording"]

CHECK_LICENCE: Final = "check the licence before use"
NOT_VALIDATED: Final = "not validated"


class Provenance(BaseModel):
    """An instrument's status, licence, wording origin and the origin of each language version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: ProvenanceStatus
    licence: str = Field(min_length=1, description="who may use it, on what terms")
    wording: str = Field(min_length=1, description="where the item wording comes from")
    languages: dict[Language, LanguageOrigin] = Field(
        description="per language: published, our translation or own wording"
    )

    @model_validator(mode="after")
    def _every_language(self) -> Self:
        for language in LANGUAGES:
            if language not in self.languages:
                raise problem(
                    f"say where the {language.value} wording comes from (published, our "
                    "translation or own wording)",
                    "languages",
                )
        if self.status == "validated":
            for language, origin in self.languages.items():
                if origin != "published":
                    raise problem(
                        f"a validated instrument asks the published wording in every language; "
                        f'the {language.value} wording is {origin}: use status = "adapted"',
                        "status",
                    )
        return self

    @property
    def licence_unclear(self) -> bool:
        """Whether the study team must settle the licence before fielding the instrument."""
        return self.status == CHECK_LICENCE

    def describe(self) -> str:
        """One line: status, each language's origin, licence."""
        versions = ", ".join(f"{lang.value} {origin}" for lang, origin in self.languages.items())
        return f"{self.status}; wording: {versions}; licence: {self.licence}"
