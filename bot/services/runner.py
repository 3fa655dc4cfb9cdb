"""The use-case runner: every update becomes one transaction, retried when the database was busy.

In that one transaction: the update's id is claimed (a re-delivered update stops there), the
person is loaded, their roles are checked when the use case needs any, the service runs and the
messages it queues are written. So either all of it commits or none of it does: a use case that
fails leaves no half-done work behind, and its update is not marked handled.

A transient database error (a lock held past SQLite's busy timeout, a PostgreSQL serialization
failure, a dropped connection) runs the whole turn again: the claim makes that safe, and the
person's command is kept rather than dropped with an apology.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.study import Role
from bot.db.transient import is_transient
from bot.services.processed_updates import claim_update
from bot.services.trial import Trial
from bot.services.turns import Incoming, StaffDirectory, Turn, open_turn

log = logging.getLogger(__name__)

Service = Callable[[Turn, Trial], Awaitable[None]]
Backoff = Callable[[int], Awaitable[None]]

ATTEMPTS = 3


class AlreadyHandled(Exception):
    """This update's id was claimed before: Telegram delivered it again."""


async def _pause_before_retry(attempt: int) -> None:
    """Exponential backoff with full jitter: 0-0.1 s, 0-0.2 s, … (real time: it is about locks)."""
    await asyncio.sleep(random.uniform(0, 0.1 * 2**attempt))


@dataclass(frozen=True)
class TurnRunner:
    """Runs use cases for updates; one per bot, shared by every handler."""

    database: Database
    clock: Clock
    trial: Trial
    staff: StaffDirectory = field(default_factory=StaffDirectory)
    attempts: int = ATTEMPTS
    backoff: Backoff = _pause_before_retry

    async def run(
        self,
        incoming: Incoming,
        service: Service,
        *,
        claim: int | None = None,
        roles: Collection[Role] = (),
    ) -> None:
        """Run `service` for `incoming`; `claim` is the update id to record as handled.

        With `roles`, only a person holding one of them gets the service; others are told so.
        Raises AlreadyHandled for a re-delivered update, and the service's own error (after
        retries, when it was transient) for the caller to report.
        """
        for attempt in range(self.attempts):
            try:
                await self._once(incoming, service, claim, roles)
                return
            except Exception as error:
                if attempt + 1 == self.attempts or not is_transient(error):
                    raise
                log.warning(
                    "update %s met a busy database (%s), trying again",
                    incoming.update_id,
                    type(error).__name__,
                )
                await self.backoff(attempt)

    async def _once(
        self, incoming: Incoming, service: Service, claim: int | None, roles: Collection[Role]
    ) -> None:
        now = self.clock.now()
        async with self.database.transaction() as session:
            if claim is not None and not await claim_update(session, claim, now):
                raise AlreadyHandled(claim)
            turn = await open_turn(session, now, incoming, self.staff)
            if roles and not await turn.holds(roles):
                await turn.say_text("staff.not_allowed")
                return
            await service(turn, self.trial)
