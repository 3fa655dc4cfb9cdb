"""Money as people read it, in their language: the one formatter for every amount shown."""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import format_currency

from experiments.protocol import Language

__all__ = ["format_amount"]


def format_amount(cents: int, language: Language) -> str:
    """Money as CLDR writes it (Babel): € 1.234,56 in Dutch, €1,234.56 in English; whole euros
    without cents (€ 10, €10), because most amounts people save are whole."""
    return _formatted(cents, language)


# Babel takes some 30 µs an amount, and a receipt shows five of them, mostly the same few
# (goals, common deposits, totals).
@lru_cache(maxsize=8192)
def _formatted(cents: int, language: Language) -> str:
    locale = language.locale
    euros = Decimal(cents) / 100
    if cents % 100:
        return format_currency(euros, "EUR", locale=locale)
    return format_currency(
        euros, "EUR", locale=locale, format=_whole_euros(locale), currency_digits=False
    )


@cache
def _whole_euros(locale: str) -> str:
    """The locale's own currency pattern without its decimals ("¤ #,##0.00" → "¤ #,##0")."""
    return str(Locale.parse(locale).currency_formats["standard"].pattern).replace(".00", "")
