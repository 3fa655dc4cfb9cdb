"""The languages a study speaks: one type for the bot's catalogues and the protocol's texts."""

from __future__ import annotations

import enum


class Language(enum.StrEnum):
    """The languages participants can choose; Dutch first because the pilots are Dutch."""

    NL = "nl"
    EN = "en"

    @property
    def locale(self) -> str:
        """The CLDR locale whose plural rules, numbers and money formats this language uses:
        Dutch as written in the Netherlands, plain English."""
        return "nl_NL" if self is Language.NL else "en"


LANGUAGES: tuple[Language, ...] = tuple(Language)
