"""One list of participant commands: every command in it is answered, and only those."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.handlers import common, inbox, participant
from bot.handlers.context import LotgenootContext
from bot.services.participants.commands import COMMAND_NAMES, MENU_COMMANDS


def _commands(handlers: Sequence[BaseHandler[Update, LotgenootContext, None]]) -> set[str]:
    return {name for h in handlers if isinstance(h, CommandHandler) for name in h.commands}


def _answered() -> set[str]:
    return _commands([*participant.handlers(), *common.handlers(), *inbox.handlers()])


def test_every_participant_command_has_a_handler() -> None:
    assert set(COMMAND_NAMES) <= _answered()


def test_the_participant_handlers_answer_no_command_missing_from_the_list() -> None:
    assert _commands(participant.handlers()) <= set(COMMAND_NAMES)


def test_the_listed_commands_are_participant_commands_in_the_lists_order() -> None:
    assert [name for name in COMMAND_NAMES if name in MENU_COMMANDS] == list(MENU_COMMANDS)
