"""Telegram adapters: parse the update, call a service, render a reply. One module per audience."""

from __future__ import annotations

from bot.handlers import (
    admin,
    buttons,
    common,
    counsellor,
    fallback,
    group,
    inbox,
    menu,
    participant,
    redelivery,
    researcher,
)
from bot.handlers.context import LotgenootApplication
from bot.handlers.errors import on_error

BEFORE_ALL = -2


def register(application: LotgenootApplication) -> None:
    """Attach every handler to `application`, in the order they must run."""
    application.add_handler(redelivery.handler(), group=BEFORE_ALL)
    application.add_handlers(fallback.edit_handlers(), group=fallback.EDITS)
    application.add_handlers(participant.handlers())
    application.add_handlers(common.handlers())
    application.add_handlers(admin.handlers())
    application.add_handlers(researcher.handlers())
    application.add_handlers(group.handlers())
    application.add_handlers(counsellor.handlers())  # its button pattern before the catch-all
    application.add_handlers(inbox.handlers())  # replies to tickets before the menu and text
    application.add_handlers(menu.handlers())  # before the general text and button handlers
    application.add_handlers(buttons.handlers())
    application.add_handlers(fallback.handlers())  # last: only what no handler above took
    application.add_handlers(group.activity_handlers(), group=group.ACTIVITY)
    application.add_error_handler(on_error)
