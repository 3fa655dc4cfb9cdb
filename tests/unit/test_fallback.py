from __future__ import annotations

import pytest

from bot.services.participants.commands import COMMAND_NAMES
from bot.services.participants.fallback import command_of, nearest_command


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("deposti", "deposit"),
        ("aplied", "applied"),
        ("applid", "applied"),
        ("progres", "progress"),
        ("inteview", "interview"),
        ("hlep", "help"),
        ("stpo", "stop"),
        ("langauge", "language"),
    ],
)
def test_a_typo_is_matched_to_the_nearest_command(typed: str, expected: str) -> None:
    assert nearest_command(typed, COMMAND_NAMES) == expected


def test_a_word_far_from_every_command_has_no_suggestion() -> None:
    assert nearest_command("xyzzy", COMMAND_NAMES) is None


def test_command_of_splits_name_and_arguments() -> None:
    assert command_of("/Aplied@lotgenoot_bot 2 keer") == ("aplied", "2 keer")
    assert command_of("/deposti") == ("deposti", "")
