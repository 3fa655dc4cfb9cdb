"""A typed context, so handlers reach the runtime without stringly-typed bot_data lookups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.runtime import Runtime

RUNTIME_KEY = "runtime"


AnyData = dict[Any, Any]


@dataclass
class UpdateClaim:
    """An update whose id is not yet recorded as handled; `writer` wrote in a private chat."""

    update_id: int
    writer: int | None


class LotgenootContext(CallbackContext[ExtBot[None], AnyData, AnyData, AnyData]):
    """CallbackContext with the runtime (database, clock, outbox) as a typed attribute.

    python-telegram-bot makes one context per update and hands it to every handler group, so
    the update's claim (see `bot.handlers.redelivery`) lives here until a turn commits it.
    """

    claim: UpdateClaim | None = None

    @property
    def runtime(self) -> Runtime:
        runtime = self.application.bot_data[RUNTIME_KEY]
        assert isinstance(runtime, Runtime)
        return runtime

    def hand_over_writer(self) -> bool:
        """True when this update is a message from a person in a private chat; the turn that
        takes it over undoes a block (it knows whether the person had one)."""
        if self.claim is None or self.claim.writer is None:
            return False
        self.claim.writer = None
        return True


LotgenootApplication = Application[ExtBot[None], LotgenootContext, AnyData, AnyData, AnyData, Any]

__all__ = ["RUNTIME_KEY", "LotgenootApplication", "LotgenootContext", "Update", "UpdateClaim"]
