"""A typed context, so handlers reach the runtime without stringly-typed bot_data lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext, ExtBot

from bot.runtime import Runtime
from bot.services.reachability import person_wrote
from bot.services.updates import claim_update

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
    the update's claim (see `bot.handlers.updates`) lives here until a transaction commits it.
    """

    claim: UpdateClaim | None = None

    @property
    def runtime(self) -> Runtime:
        runtime = self.application.bot_data[RUNTIME_KEY]
        assert isinstance(runtime, Runtime)
        return runtime

    def hand_over_writer(self) -> bool:
        """True when this update is a message from a person in a private chat; from now on the
        caller, not `transaction`, undoes a block (a turn knows whether the person had one)."""
        if self.claim is None or self.claim.writer is None:
            return False
        self.claim.writer = None
        return True

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction for this update; the first one to commit also records its id.

        Recording the id in the handler's own transaction, rather than in one of its own first,
        saves a transaction per update, and an update whose handler failed and rolled back is
        not marked as handled. A re-delivered update stops here, before changing anything.
        """
        runtime, claim = self.runtime, self.claim
        async with runtime.database.transaction() as session:
            if claim is not None:
                if not await claim_update(session, claim.update_id, runtime.clock.now()):
                    raise ApplicationHandlerStop
                if claim.writer is not None:
                    await person_wrote(session, claim.writer)
            yield session
        if claim is not None:
            self.claim = None


LotgenootApplication = Application[ExtBot[None], LotgenootContext, AnyData, AnyData, AnyData, Any]

__all__ = ["RUNTIME_KEY", "LotgenootApplication", "LotgenootContext", "Update", "UpdateClaim"]
