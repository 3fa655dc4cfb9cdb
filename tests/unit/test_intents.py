from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.participants.intents import Wish, amount_of, count_of, read
from bot.services.participants.money import InvalidAmount
from tests.everyday_words import EVERYDAY_EN, EVERYDAY_NL


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


def _cases(phrases: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(typed, what) for what, written in phrases.items() for typed in written]


def test_there_are_forty_everyday_phrases_per_language() -> None:
    assert len(_cases(EVERYDAY_NL)) >= 40
    assert len(_cases(EVERYDAY_EN)) >= 40


@pytest.mark.parametrize(("typed", "what"), _cases(EVERYDAY_NL))
def test_dutch_everyday_words_are_read_as_what_they_mean(typed: str, what: str) -> None:
    wish = read(typed)
    assert wish is not None
    assert wish.what == what


@pytest.mark.parametrize(("typed", "what"), _cases(EVERYDAY_EN))
def test_english_everyday_words_are_read_as_what_they_mean(typed: str, what: str) -> None:
    wish = read(typed)
    assert wish is not None
    assert wish.what == what


@pytest.mark.parametrize(
    "typed",
    [
        "ik heb geen werk",
        "ik heb nog geen baan gevonden",
        "ik zoek werk",
        "I'm looking for a job",
        "I don't have a job",
        "do you have a job for me?",
        "niet goed",
        "no thanks",
        "sorry",
        "morgen",
        "😂",
        "ik heb vandaag hard gewerkt en ben nu heel erg moe",
    ],
)
def test_words_that_deny_seek_or_say_something_else_are_no_wish(typed: str) -> None:
    assert read(typed) is None


@pytest.mark.parametrize(
    ("typed", "wish"),
    [
        ("I got a job interview", Wish("interview")),
        ("ik had een sollicitatiegesprek", Wish("interview", "1")),
        ("hoi, ik heb 10 euro gespaard", Wish("saved", "10")),
        ("bedankt! ik heb 2 keer gesolliciteerd", Wish("applied", "2")),
    ],
)
def test_the_wish_in_a_sentence_wins_over_its_greeting_or_a_job_word(
    typed: str, wish: Wish
) -> None:
    assert read(typed) == wish


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
