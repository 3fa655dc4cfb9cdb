"""Amounts as people type them (12,50 · 12.50 · €12 · 1.234,56) and as we show them."""

from __future__ import annotations

import re

from bot.i18n.money import format_amount as format_amount  # shown as the bot shows it

_CURRENCY = re.compile(r"^(?:€|eur|euro)?\s*(?P<number>[\d.,' ]*\d)\s*(?:€|eur|euro|,-)?$")
# Thousands groups: the first group has no leading zero (0,001 is not a thousand euros).
_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:(?P<sep>[.,' ])\d{3})?(?:(?P=sep)\d{3})*$")
# Longer than any amount a study allows (€1.000.000.000,00 is 17): int() is never given more.
MAX_AMOUNT_CHARS = 32


class InvalidAmount(ValueError):
    """Not an amount of money; `reason` is a catalogue key that explains why, kindly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_amount(text: str, *, max_cents: int) -> int:
    """Cents in `text`; a separator followed by 1–2 digits is decimal, by 3 digits thousands."""
    cleaned = text.strip().lower().replace("\u00a0", " ")
    if len(cleaned) > MAX_AMOUNT_CHARS:
        raise InvalidAmount("amount.not_a_number")
    if cleaned.startswith("-"):
        raise InvalidAmount("amount.not_positive")
    match = _CURRENCY.match(cleaned)
    if match is None:
        raise InvalidAmount("amount.not_a_number")
    total = _cents(match.group("number"))
    if total <= 0:
        raise InvalidAmount("amount.not_positive")
    if total > max_cents:
        raise InvalidAmount("amount.too_large")
    return total


def _cents(number: str) -> int:
    """12,50 → 1250; the last separator is decimal when 1–2 digits follow it, else thousands."""
    whole, decimals, decimal_separator = number, "", ""
    last = max(number.rfind("."), number.rfind(","))
    if last >= 0 and 1 <= len(number) - last - 1 <= 2:
        whole, decimals, decimal_separator = number[:last] or "0", number[last + 1 :], number[last]
    elif last >= 0 and _beyond_cents(number, last):
        raise InvalidAmount("amount.too_many_decimals")
    if not _is_whole(whole, decimal_separator):
        raise InvalidAmount("amount.not_a_number")
    return int(re.sub(r"\D", "", whole)) * 100 + int(decimals.ljust(2, "0") or "0")


def _beyond_cents(number: str, last: int) -> bool:
    """0,001 · 12,3456 · 1.234,567: more than two decimals, not thousands (1.234), refused
    rather than rounded or misread."""
    tail, before = number[last + 1 :], number[:last] or "0"
    return tail.isdigit() and not _is_whole(number, "") and _is_whole(before, number[last])


def _is_whole(whole: str, decimal_separator: str) -> bool:
    """Plain digits, or digits in thousands groups whose separator is not the decimal one."""
    if whole.isdigit():
        return True
    grouped = _GROUPED.match(whole)
    return grouped is not None and grouped.group("sep") != decimal_separator
