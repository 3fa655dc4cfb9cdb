from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Language, catalogue
from bot.services.participants.money import InvalidAmount, format_amount, parse_amount

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
        ("1.234", 123400),
        ("1,234", 123400),
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


@pytest.mark.parametrize("typed", ["0,001", "0.001", ",001", "12,3456", "1.234,567"])
def test_more_than_two_decimals_is_refused_rather_than_read_as_thousands(typed: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_amount(typed, max_cents=MAX)
    assert excinfo.value.reason == "amount.too_many_decimals"


@pytest.mark.parametrize("digits", [40, 4_301, 10_000])
def test_an_endless_number_gets_the_friendly_error(digits: int) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_amount("9" * digits, max_cents=MAX)
    assert excinfo.value.reason == "amount.not_a_number"


_TYPED_AMOUNTS = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,' -€euro\u00a0", max_size=80),
    st.from_regex(r"\A-?(€ ?)?[0-9]{1,12}([.,' ][0-9]{1,5}){0,4}( ?(euro|,-))?\Z"),
    st.integers(min_value=0, max_value=10**30).map(str),
    st.integers(min_value=1, max_value=12_000).map(lambda length: "1" * length),
)


@given(_TYPED_AMOUNTS, st.integers(min_value=1, max_value=10**12))
def test_parse_amount_returns_cents_in_range_or_a_friendly_refusal(
    typed: str, max_cents: int
) -> None:
    reason: str | None = None
    try:
        cents = parse_amount(typed, max_cents=max_cents)
    except InvalidAmount as refusal:
        reason = refusal.reason
    if reason is not None:
        assert reason in catalogue(Language.NL)
        assert reason in catalogue(Language.EN)
    else:
        assert isinstance(cents, int)
        assert 0 < cents <= max_cents
