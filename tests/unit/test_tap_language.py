"""Texts say what to tap, not what to type (issue 25.2): no participant text or protocol
template tells a person to send a command, the labels they name are the menu's own, and every
button of the menu and every shortcut has its words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import Language, catalogue, text
from bot.paths import shipped_config
from bot.services import button_data
from bot.services.keyboard import LAYOUTS
from bot.services.participants.conversation import SHORTCUT_SERVICES
from experiments.protocol import Track, load_protocol
from experiments.protocol.templates import PLACEHOLDERS

# "Stuur /x", "stuur dan /x", "Send /x", "then send /x", "typ /x", "type /x"
SEND_A_COMMAND = re.compile(r"\b(stuur|send|typ|type)\b(\s+(dan|then))?\s+/[a-z]", re.IGNORECASE)
# texts for staff, or read in a group chat, where commands are the way
NOT_FOR_PARTICIPANTS = (
    "help.counsellor",
    "help.researcher",
    "help.admin",
    "staff.",
    "admin.",
    "handover.",
    "researcher.",
    "groups.",
    "moderation.",
    "outcome.",
    "reports.",
    "counsellor.",
    "alerts.",
    "inbox.already_closed",
)
SHIPPED = sorted(Path(shipped_config("study.toml")).parent.glob("*.toml"))


def _participant_texts(language: Language) -> dict[str, str]:
    return {
        key: words
        for key, words in catalogue(language).items()
        if not key.startswith(NOT_FOR_PARTICIPANTS)
    }


@pytest.mark.parametrize("language", list(Language))
def test_no_participant_text_tells_them_to_send_a_command(language: Language) -> None:
    telling = {
        key: words
        for key, words in _participant_texts(language).items()
        if SEND_A_COMMAND.search(words)
    }
    assert telling == {}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_no_protocol_template_tells_them_to_send_a_command(path: Path) -> None:
    protocol = load_protocol(path)
    wordings = [(kind, protocol.templates.get(kind)) for kind in PLACEHOLDERS]
    wordings += [(f"reminder_variants[{n}]", v) for n, v in enumerate(protocol.reminder_variants)]
    telling = [
        (kind, language.value)
        for kind, wording in wordings
        for language in Language
        if SEND_A_COMMAND.search(wording.text(language))
    ]
    assert telling == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_reminders_name_the_menu_button_as_the_menu_shows_it(path: Path) -> None:
    protocol = load_protocol(path)
    for language in Language:
        for wording in protocol.reminders_for(Track.SAVINGS):
            assert text(language, "menu.saved") in wording.text(language)
        for wording in protocol.reminders_for(Track.JOBSEARCH):
            assert text(language, "menu.applied") in wording.text(language)


@pytest.mark.parametrize("key", ["join.note_warned", "join.note_muted", "join.note_removed"])
def test_notes_after_moderation_name_the_ask_button_as_the_menu_shows_it(key: str) -> None:
    for language in Language:
        assert text(language, "menu.ask") in catalogue(language)[key]


def test_the_help_has_words_for_every_button_of_every_menu() -> None:
    keys = {key for rows in LAYOUTS.values() for row in rows for key in row}
    for language in Language:
        missing = {key for key in keys if f"help.tap.{key}" not in catalogue(language)}
        assert missing == set(), language


def test_every_shortcut_has_a_label_and_the_service_of_its_command() -> None:
    assert set(SHORTCUT_SERVICES) == set(button_data.SHORTCUTS)
    for language in Language:
        labels = {name: catalogue(language).get(f"shortcut.{name}") for name in SHORTCUT_SERVICES}
        assert None not in labels.values(), language
