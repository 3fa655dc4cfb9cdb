from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Language
from bot.services.money import InvalidAmount, format_amount, parse_amount

MAX = 1_000_000


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("€12", 1200),
        ("€ 12,5", 1250),
        ("12 euro", 1200),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("0,99", 99),
    ],
)
def test_amounts_as_people_type_them(typed: str, cents: int) -> None:
    assert parse_amount(typed, max_cents=MAX) == cents


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("0", "amount.not_positive"),
        ("-5", "amount.not_positive"),
        ("twaalf", "amount.not_a_number"),
        ("12,345,6", "amount.not_a_number"),
        ("", "amount.not_a_number"),
        ("20000", "amount.too_large"),
    ],
)
def test_bad_amounts_are_explained(typed: str, reason: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_amount(typed, max_cents=MAX)
    assert excinfo.value.reason == reason


@given(st.integers(min_value=1, max_value=MAX), st.sampled_from(list(Language)))
def test_formatted_amounts_parse_back(cents: int, language: Language) -> None:
    assert parse_amount(format_amount(cents, language), max_cents=MAX) == cents


@given(st.text(max_size=20))
def test_parser_never_crashes(typed: str) -> None:
    try:
        cents = parse_amount(typed, max_cents=MAX)
    except InvalidAmount:
        return
    assert 0 < cents <= MAX


def test_whole_euros_show_without_decimals() -> None:
    assert format_amount(1000, Language.NL) == "€\u00a010"  # CLDR: a no-break space in Dutch
    assert format_amount(1000, Language.EN) == "€10"
    assert format_amount(123456, Language.NL) == "€\u00a01.234,56"
    assert format_amount(123456, Language.EN) == "€1,234.56"
