"""The one sender: drains the outbox within Telegram's limits, retrying what is worth it."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, SystemClock
from bot.db.delivery import ChatType
from bot.db.engine import Database
from bot.outbox import store
from bot.outbox.budget import Gate
from bot.outbox.endings import FollowUp, UnreachableHook, failure_reason, write_endings
from bot.outbox.outcomes import Delivered, Outcome, RateLimited, Transient, Transport
from bot.outbox.pacing import Pacer
from bot.outbox.recorder import Ending, EndingRecorder

log = logging.getLogger(__name__)

DEFAULT_SEND_RATE = 29.0  # messages/s overall, against Telegram's 30/s (LOTGENOOT_SEND_RATE)


@dataclass(frozen=True)
class SenderSettings:
    """Limits and retry policy; the defaults keep under Telegram's published limits.

    `lease` is short and renewed every quarter of it while the sender lives, so rows a killed
    sender left `sending` are retried within seconds. `queue_ahead_s` bounds how many claimed
    messages wait for the overall limit (that many seconds' worth): a reply claimed now is not
    queued behind a long line of broadcast rows claimed before it.
    """

    global_per_second: float = DEFAULT_SEND_RATE
    private_interval_s: float = 1.0
    group_per_minute: int = 20
    calls_per_second: float = 30.0
    batch_size: int = 50
    queue_ahead_s: float = 0.25
    lease: timedelta = timedelta(seconds=5)
    max_attempts: int = 6
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    idle_poll_s: float = 0.5
    claim_gap_s: float = 0.005
    record_window_s: float = 0.005
    shutdown_grace_s: float = 5.0


@dataclass
class SenderStats:
    """This sender's counters since it started (tests, the demo); `lotgenoot status` reads the
    table instead, which counts for every process."""

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    failed: Counter[str] = field(default_factory=Counter)


class OutboxSender:
    """Claims due rows, paces them, calls the transport and records each outcome."""

    def __init__(
        self,
        database: Database,
        transport: Transport,
        clock: Clock,
        *,
        settings: SenderSettings | None = None,
        wall_clock: Clock | None = None,
        on_unreachable: UnreachableHook | None = None,
        follow_ups: Mapping[str, FollowUp] | None = None,
        rng: random.Random | None = None,
        gate: Gate | None = None,
    ) -> None:
        self._db = database
        self._transport = transport
        self._clock = clock
        self._wall = wall_clock or SystemClock()
        self.settings = settings or SenderSettings()
        self._pacer = Pacer(
            global_per_second=self.settings.global_per_second,
            private_interval_s=self.settings.private_interval_s,
            group_per_minute=self.settings.group_per_minute,
            calls_per_second=self.settings.calls_per_second,
        )
        self._on_unreachable = on_unreachable
        self._follow_ups = dict(follow_ups or {})
        # what may go now of each claim (the daily budget, quiet hours: bot.outbox.budget)
        self._gate = gate
        # every row this sender holds is leased until the same moment, renewed together
        self._lease_until: datetime | None = None
        self._held: set[int] = set()
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._delivery_ended = asyncio.Event()
        self._progress = asyncio.Condition()
        self._db_turn = asyncio.Lock()
        self._recorder = EndingRecorder(
            self._transaction, self._write_endings, window_s=self.settings.record_window_s
        )
        self.stats = SenderStats()

    def wake(self) -> None:
        """Tell the sender something new is due, so a reply goes out at once."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, keeping up to `batch_size` chats in flight at once.

        Claiming more as soon as a delivery finishes (rather than batch after batch) keeps one
        slow chat, waiting out its group limit or a backoff, from holding up everyone else.
        Claims are at least `claim_gap_s` apart: under a burst each then leases what several
        deliveries freed room for, rather than one claim (and one transaction) per delivery.
        """
        loop = asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        last_claim = -self.settings.claim_gap_s
        heartbeat = asyncio.create_task(self._keep_leases(stop))
        ahead = max(2, round(self.settings.global_per_second * self.settings.queue_ahead_s))
        while not stop.is_set():
            if (gap := last_claim + self.settings.claim_gap_s - loop.time()) > 0:
                await asyncio.sleep(gap)
                if stop.is_set():
                    break
            self._wake.clear()
            self._delivery_ended.clear()
            last_claim = loop.time()
            room = min(self.settings.batch_size - len(in_flight), ahead - self._pacer.queued)
            claimed = await self._claim_safely(room)
            for message in claimed:
                task = asyncio.create_task(self._deliver_logged(message))
                in_flight.add(task)
                task.add_done_callback(partial(self._ended, in_flight))
            if not claimed or len(in_flight) >= self.settings.batch_size:
                await _wait_any(
                    self._wake, self._delivery_ended, stop, idle_s=self.settings.idle_poll_s
                )
            else:
                # let the new deliveries reach the pacer, so that `queued` counts them
                await asyncio.sleep(0)
            self._pacer.forget_idle()
        await self._finish(in_flight)
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        """Renew this sender's leases every quarter lease while it runs.

        A killed sender stops renewing, so what it left `sending` is due again within one lease
        (seconds), not minutes; a sender that is alive never loses a row to its own claim.
        """
        every = self.settings.lease.total_seconds() / 4
        while not stop.is_set():
            await _wait_any(stop, idle_s=every)
            if stop.is_set():
                return
            try:
                async with self._transaction(urgent=True) as session:
                    await self._renew(session)
            except Exception:
                log.exception("renewing the outbox leases failed; retrying shortly")

    async def _renew(self, session: AsyncSession) -> None:
        """Move every lease this sender holds to a new shared end; note which it still holds."""
        renewed = self._wall.now() + self.settings.lease
        if self._lease_until is not None:
            self._held = await store.renew_leases(session, self._lease_until, renewed)
        self._lease_until = renewed

    def _ended(self, in_flight: set[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
        in_flight.discard(task)
        self._delivery_ended.set()

    async def wait_for(self, predicate: Callable[[SenderStats], bool], within_s: float) -> None:
        """Wait until the counters satisfy `predicate` (tests and the demo watch progress)."""
        async with asyncio.timeout(within_s), self._progress:
            await self._progress.wait_for(lambda: predicate(self.stats))

    async def _count(self, update: Callable[[SenderStats], None]) -> None:
        update(self.stats)
        async with self._progress:
            self._progress.notify_all()

    async def settle(self, within_s: float = 10.0) -> None:
        """Return once everything due now is delivered or given up (tests, demo, shutdown).

        Deliveries may be under way in the background loop too, so this checks the table
        rather than trusting its own claims.
        """
        async with asyncio.timeout(within_s):
            while True:
                await self.deliver_due()
                async with self._transaction() as session:
                    if await store.unfinished(session, now=self._clock.now()) == 0:
                        return
                await asyncio.sleep(0.02)  # a background delivery is finishing; look again

    async def deliver_due(self) -> int:
        """Deliver everything due now and return how many messages were handled (for tests)."""
        handled = 0
        while batch := await self._claim(self.settings.batch_size):
            await asyncio.gather(*(self._deliver(message) for message in batch))
            handled += len(batch)
        return handled

    async def _claim_safely(self, room: int) -> list[store.ClaimedMessage]:
        if room <= 0:
            return []
        try:
            return await self._claim(room)
        except Exception:
            log.exception("claiming from the outbox failed; retrying shortly")
            return []

    @asynccontextmanager
    async def _transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """This sender's transactions, one at a time, ahead of people's updates.

        Claims and records overlapping on several connections would only queue for SQLite's
        write lock; here they queue in order. They are short and urgent: behind a backlog of
        updates they would hold up the replies those updates queued.
        """
        async with self._db_turn, self._db.transaction(urgent=urgent) as session:
            yield session

    async def _claim(self, limit: int) -> list[store.ClaimedMessage]:
        async with self._transaction(urgent=True) as session:
            if self._lease_stale():
                await self._renew(session)
            assert self._lease_until is not None
            claimed = await store.claim_due(
                session,
                now=self._clock.now(),
                wall_now=self._wall.now(),
                lease_until=self._lease_until,
                limit=limit,
            )
            if self._gate is not None and claimed:
                claimed = await self._gate(session, claimed, self._clock.now())
        self._held.update(message.id for message in claimed)
        return claimed

    def _lease_stale(self) -> bool:
        """Less than half a lease left (or none yet): renew before relying on it."""
        if self._lease_until is None:
            return True
        return self._lease_until - self._wall.now() <= self.settings.lease / 2

    async def _finish(self, in_flight: set[asyncio.Task[None]]) -> None:
        """Let deliveries under way end (a cut one is retried after its lease), then stop."""
        if not in_flight:
            return
        _done, pending = await asyncio.wait(in_flight, timeout=self.settings.shutdown_grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _deliver_logged(self, message: store.ClaimedMessage) -> None:
        try:
            await self._deliver(message)
        except Exception:
            # the row stays `sending`; once its lease runs out it is claimed and tried again
            log.exception("delivering outbox_id=%s failed; retried after its lease", message.id)

    async def _deliver(self, message: store.ClaimedMessage) -> None:
        """Send one claimed message, retrying what is worth it, and record how it ended."""
        tries = 0
        while True:
            turn = self._pacer.turn(message.chat_id, message.chat_type, message=message.is_message)
            async with turn:
                if not await self._hold(message):
                    log.warning("lease lost outbox_id=%s; another sender has it", message.id)
                    return
                tries += 1
                outcome = await self._attempt(message)
            if isinstance(outcome, RateLimited):
                tries -= 1  # flood control is our pace, not the message's fault
                self._on_rate_limited(message, outcome)
                continue
            if isinstance(outcome, Transient) and tries < self.settings.max_attempts:
                self.stats.retried += 1
                await asyncio.sleep(self._backoff(tries))
                continue
            await self._recorder.record(Ending(message, outcome, tries))
            self._held.discard(message.id)
            await self._count(partial(_tally, outcome=outcome))
            return

    async def _hold(self, message: store.ClaimedMessage) -> bool:
        """True while this sender still holds the row's lease, renewing the leases if they are
        running low (the heartbeat stalled, or no heartbeat runs: `deliver_due`).

        A message can wait out backoffs and 429 pauses; sending it after its lease ran out
        could duplicate what another sender, seeing the lease expired, sends too.
        """
        if self._lease_stale():
            async with self._transaction(urgent=True) as session:
                if self._lease_stale():
                    await self._renew(session)
        return message.id in self._held

    async def _attempt(self, message: store.ClaimedMessage) -> Outcome:
        try:
            return await self._transport.deliver(message.method, message.chat_id, message.payload)
        except Exception as exc:  # a bug in a transport must not kill the sender loop
            log.exception("transport raised outbox_id=%s", message.id)
            return Transient(f"{type(exc).__name__}: {exc}")

    def _on_rate_limited(self, message: store.ClaimedMessage, outcome: RateLimited) -> None:
        """Telegram's 429 on a group is about that group; on a private chat, about the bot."""
        self.stats.rate_limited += 1
        log.warning(
            "rate limited outbox_id=%s chat_type=%s retry_after=%.1f",
            message.id,
            message.chat_type.value,
            outcome.retry_after,
        )
        if message.chat_type is ChatType.GROUP:
            self._pacer.pause_chat(message.chat_id, outcome.retry_after)
        else:
            self._pacer.pause_all(outcome.retry_after)

    def _backoff(self, tries: int) -> float:
        """Exponential backoff with full jitter (AWS architecture blog's recommendation)."""
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2 ** (tries - 1))
        return self._rng.uniform(0, ceiling)

    async def _write_endings(self, session: AsyncSession, endings: Sequence[Ending]) -> None:
        """Record a batch of endings, in the one transaction the recorder opened for them."""
        await write_endings(
            session,
            endings,
            self._clock.now(),
            on_unreachable=self._on_unreachable,
            follow_ups=self._follow_ups,
        )


def _tally(stats: SenderStats, outcome: Outcome) -> None:
    if isinstance(outcome, Delivered):
        stats.sent += 1
    else:
        stats.failed.update([failure_reason(outcome).split(":")[0]])


async def _wait_any(*events: asyncio.Event, idle_s: float) -> None:
    """Return when one of `events` is set, or after `idle_s`."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=idle_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
