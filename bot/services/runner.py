"""The use-case runner: every update becomes one transaction, retried when the database was busy.

In that one transaction: the update's id is claimed (a re-delivered update stops there), the
person is loaded, their roles are checked when the use case needs any, the service runs and the
messages it queues are written. So either all of it commits or none of it does: a use case that
fails leaves no half-done work behind, and its update is not marked handled.

A transient database error (a lock held past SQLite's busy timeout, a PostgreSQL serialization
failure, a dropped connection) runs the whole turn again: the claim makes that safe, and the
person's command is kept rather than dropped with an apology.

With a flood gate, a person over the protocol's messages a minute gets one "slow down" turn and
then no turns at all until the minute has passed (bot.services.flood).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import TypeVarTuple

from bot.clock import Clock
from bot.db.engine import Database
from bot.db.transient import is_transient
from bot.services.flood import FloodGate, Verdict
from bot.services.processed_updates import claim_update
from bot.services.trial import Trial
from bot.services.turns import AnyRole, Incoming, Turn, open_turn

log = logging.getLogger(__name__)

Ts = TypeVarTuple("Ts")
Service = Callable[[Turn, Trial], Awaitable[None]]
Backoff = Callable[[int], Awaitable[None]]

ATTEMPTS = 3


class AlreadyHandled(Exception):
    """This update's id was claimed before: Telegram delivered it again."""


class Throttled(Exception):
    """The person sent more than the protocol allows a minute: nothing they asked was done."""


async def _pause_before_retry(attempt: int) -> None:
    """Exponential backoff with full jitter: 0-0.1 s, 0-0.2 s, … (real time: it is about locks)."""
    await asyncio.sleep(random.uniform(0, 0.1 * 2**attempt))


@dataclass(frozen=True)
class TurnRunner:
    """Runs use cases for updates; one per bot, shared by every handler."""

    database: Database
    clock: Clock
    trial: Trial
    attempts: int = ATTEMPTS
    backoff: Backoff = _pause_before_retry
    flood: FloodGate | None = None  # None: no limit per person (service tests)

    async def run(
        self,
        incoming: Incoming,
        service: Callable[[Turn, Trial, *Ts], Awaitable[None]],
        *args: *Ts,
        claim: int | None = None,
        roles: Collection[AnyRole] = (),
    ) -> None:
        """Run `service(turn, trial, *args)` for `incoming`; `claim` is the update id to record
        as handled.

        With `roles`, only a person holding one of them gets the service; others are told so.
        Raises AlreadyHandled for a re-delivered update, Throttled for one over the person's
        limit, and the service's own error (after retries, when it was transient) for the
        caller to report.
        """
        verdict = self._verdict(incoming)
        if verdict is Verdict.IGNORE:
            raise Throttled(incoming.update_id)  # not even claimed: a flood costs no writes

        async def call(turn: Turn, trial: Trial) -> None:
            await service(turn, trial, *args)

        wanted = self._slow_down(call) if verdict is Verdict.SLOW_DOWN else call
        await self._attempts(incoming, wanted, claim, roles)
        if self._verdict(incoming) is not Verdict.ANSWER:
            raise Throttled(incoming.update_id)

    def _verdict(self, incoming: Incoming) -> Verdict:
        """Whether this update of a person in their private chat is within their limit."""
        if self.flood is None or incoming.in_group:
            return Verdict.ANSWER
        per_minute = self.trial.protocol.person_limits.messages_per_minute
        return self.flood.admit(incoming.user_id, incoming.update_id, self.clock.now(), per_minute)

    def _slow_down(self, service: Service) -> Service:
        """The one answer to a burst; staff are not limited and get `service` itself."""
        flood = self.flood
        assert flood is not None

        async def slow_down(turn: Turn, trial: Trial) -> None:
            if await turn.roles():
                flood.exempt(turn.user_id)
                await service(turn, trial)
                return
            await turn.say_text("flood.slow_down")

        return slow_down

    async def _attempts(
        self, incoming: Incoming, service: Service, claim: int | None, roles: Collection[AnyRole]
    ) -> None:
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
        self, incoming: Incoming, service: Service, claim: int | None, roles: Collection[AnyRole]
    ) -> None:
        now = self.clock.now()
        async with self.database.transaction() as session:
            if claim is not None and not await claim_update(session, claim, now):
                raise AlreadyHandled(claim)
            turn = await open_turn(session, now, incoming, self.trial.staff)
            if roles and not await turn.holds(roles):
                await turn.refuse()
                return
            await service(turn, self.trial)
