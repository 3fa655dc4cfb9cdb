from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.participants.intents import Wish, amount_of, count_of, read
from bot.services.participants.money import InvalidAmount


@pytest.mark.parametrize(
    ("typed", "wish"),
    [
        ("gespaard 10", Wish("saved", "10")),
        ("Ik heb 10 euro gespaard", Wish("saved", "10")),
        ("ik heb €12,50 opzij gezet", Wish("saved", "12,50")),
        ("ik heb een keer gespaard", Wish("saved", None)),
        ("I saved 10 euros", Wish("saved", "10")),
        ("ik heb gesolliciteerd", Wish("applied", None)),
        ("ik heb 2 keer gesolliciteerd", Wish("applied", "2")),
        ("ik heb twee sollicitaties verstuurd", Wish("applied", "2")),
        ("I applied twice", Wish("applied", "2")),
        ("had een gesprek", Wish("interview", "1")),
        ("hoe sta ik ervoor", Wish("progress")),
        ("How am I doing?", Wish("progress")),
        ("help", Wish("help")),
        ("Hulp!", Wish("help")),
        ("stop", Wish("stop")),
        ("kan ik stoppen?", Wish("stop")),
    ],
)
def test_everyday_sentences_are_read_as_wishes(typed: str, wish: Wish) -> None:
    assert read(typed) == wish


@pytest.mark.parametrize("typed", ["hoi", "dank je", "ok", "sorry", "morgen", "thanks", "👍"])
def test_small_talk_is_no_wish(typed: str) -> None:
    assert read(typed) is None


@given(st.text(max_size=200))
def test_reading_any_text_never_fails(typed: str) -> None:
    wish = read(typed)
    assert wish is None or wish.what in {
        "saved",
        "applied",
        "interview",
        "progress",
        "help",
        "stop",
    }


SIGNS = st.sampled_from(["-", "+", "−", "–", "—", "- ", "€-", "-€"])
SAVED_SENTENCES = st.sampled_from(["gespaard {}", "ik heb {} euro gespaard", "I saved {} euros"])
APPLIED_SENTENCES = st.sampled_from(["ik heb {} keer gesolliciteerd", "I applied {} times"])
MAX_CENTS = 1_000_000


def _amount_refused(typed: str) -> bool:
    wish = read(typed)
    assert wish is not None
    assert wish.what == "saved"
    assert wish.number is not None
    try:
        amount_of(wish.number, MAX_CENTS)
    except InvalidAmount:
        return True
    return False


@given(SAVED_SENTENCES, SIGNS, st.integers(min_value=0, max_value=10**6))
def test_a_signed_amount_in_words_is_refused_not_read_without_its_sign(
    sentence: str, sign: str, number: int
) -> None:
    assert _amount_refused(sentence.format(f"{sign}{number}"))


@given(
    SAVED_SENTENCES,
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["e", "e+", "e-", "E"]),
    st.integers(min_value=0, max_value=99),
)
def test_an_amount_with_an_exponent_is_refused_not_read_as_its_first_digits(
    sentence: str, mantissa: int, e: str, exponent: int
) -> None:
    assert _amount_refused(sentence.format(f"{mantissa}{e}{exponent}"))


@given(SAVED_SENTENCES, st.integers(min_value=1, max_value=10_000))
def test_a_plain_amount_in_words_is_read_as_that_many_euros(sentence: str, euros: int) -> None:
    wish = read(sentence.format(euros))
    assert wish is not None
    assert wish.number is not None
    assert amount_of(wish.number, MAX_CENTS) == euros * 100


@given(APPLIED_SENTENCES, SIGNS, st.integers(min_value=0, max_value=99))
def test_a_signed_count_in_words_is_refused(sentence: str, sign: str, number: int) -> None:
    wish = read(sentence.format(f"{sign}{number}"))
    assert wish is not None
    assert wish.what == "applied"
    assert wish.number is not None
    assert count_of(wish.number, 20) is None


@given(APPLIED_SENTENCES, st.integers(min_value=1, max_value=9), st.integers(0, 9))
def test_a_count_with_an_exponent_is_refused(sentence: str, mantissa: int, exponent: int) -> None:
    wish = read(sentence.format(f"{mantissa}e{exponent}"))
    assert wish is not None
    assert wish.number is not None
    assert count_of(wish.number, 20) is None
