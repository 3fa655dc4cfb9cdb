"""A typed context, so handlers reach the runtime without stringly-typed bot_data lookups."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.runtime import Runtime

RUNTIME_KEY = "runtime"


AnyData = dict[Any, Any]


class LotgenootContext(CallbackContext[ExtBot[None], AnyData, AnyData, AnyData]):
    """CallbackContext with the runtime (database, clock, outbox) as a typed attribute."""

    @property
    def runtime(self) -> Runtime:
        runtime = self.application.bot_data[RUNTIME_KEY]
        assert isinstance(runtime, Runtime)
        return runtime


LotgenootApplication = Application[ExtBot[None], LotgenootContext, AnyData, AnyData, AnyData, Any]

__all__ = ["RUNTIME_KEY", "LotgenootApplication", "LotgenootContext", "Update"]
