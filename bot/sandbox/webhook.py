"""Webhook delivery: POST pending updates to the bot's URL, one at a time, in order.

Like Telegram, an update counts as delivered only on a 2xx answer; anything else is
retried (with a short backoff here, so tests of a flaky receiver stay fast) and shows up
in getWebhookInfo's last_error_*.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import aiohttp

from bot.sandbox.updates import Notifier, UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_BACKOFF_S = 0.05
MAX_BACKOFF_S = 1.0


class Webhook:
    def __init__(
        self, notifier: Notifier, updates: UpdateQueue, clock: Callable[[], float] = time.time
    ) -> None:
        self._notifier = notifier
        self._updates = updates
        self._clock = clock
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections: int | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered: list[int] = []  # update_ids the receiver accepted, for tests
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def start(self, url: str, secret_token: str | None, max_connections: int | None) -> None:
        await self.stop()
        self.url, self.secret_token, self.max_connections = url, secret_token, max_connections
        self.last_error_date = self.last_error_message = None
        self._task = asyncio.create_task(self._deliver_forever(url, secret_token))
        self._notifier.notify()  # a pending long poll must now answer 409

    async def stop(self) -> None:
        self.url = ""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._notifier.notify()

    async def _deliver_forever(self, url: str, secret_token: str | None) -> None:
        headers = {SECRET_HEADER: secret_token} if secret_token else {}
        timeout = aiohttp.ClientTimeout(total=10)
        backoff = FIRST_BACKOFF_S
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await self._notifier.wait_until(self._updates.has_deliverable, None)
                batch = self._updates.deliverable(1)
                if not batch:
                    continue
                update = batch[0]
                error = await self._post(session, url, headers, update)
                if error is None:
                    self._updates.confirm(update["update_id"] + 1)
                    self.delivered.append(update["update_id"])
                    backoff = FIRST_BACKOFF_S
                    self._notifier.notify()
                    continue
                self.last_error_date, self.last_error_message = int(self._clock()), error
                self._notifier.notify()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    @staticmethod
    async def _post(
        session: aiohttp.ClientSession,
        url: str,
        headers: dict[str, str],
        update: dict[str, object],
    ) -> str | None:
        """POST one update; None on success, else Telegram-style error text."""
        try:
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {exc}"
