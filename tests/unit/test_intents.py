from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.participants.intents import Wish, read


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
