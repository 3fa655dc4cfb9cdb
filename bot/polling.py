"""Long polling that confirms an update to Telegram only once it is stored.

python-telegram-bot's Updater puts fetched updates straight on the queue and confirms them with
its next request: a crash in between lost them. Here each batch is committed to the inbound log
first (bot.inbound), and only then does the next request (with the higher offset) tell Telegram
that it arrived. Only one process may poll a bot (bot.leadership: the poller's lease); Telegram
itself refuses a second one with 409 Conflict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, RetryAfter, TelegramError

from bot.handlers.context import LotgenootApplication
from bot.inbound import InboundLog

log = logging.getLogger(__name__)

LONG_POLL_S = 10
MAX_PAUSE_S = 30.0


async def poll(
    application: LotgenootApplication, inbound: InboundLog, until: asyncio.Event
) -> None:
    """Take updates from Telegram until `until` is set: stored, then queued, then confirmed."""
    bot = application.bot
    queue = application.update_queue
    with contextlib.suppress(TelegramError):  # as python-telegram-bot's polling does: no webhook
        await bot.delete_webhook()
    await replay(application, inbound)
    offset: int | None = None
    failures = 0
    while not until.is_set():
        try:
            updates = await _until_set(
                bot.get_updates(
                    offset=offset, timeout=LONG_POLL_S, allowed_updates=Update.ALL_TYPES
                ),
                until,
            )
            if updates is None:
                break  # stopped mid-request: what it would have brought is not confirmed
            await inbound.keep([update.to_dict() for update in updates])
        except RetryAfter as error:
            await _pause(until, _seconds(error.retry_after))
            continue
        except Exception as error:  # Telegram or the database: the same batch is asked again
            failures += 1
            _report(error, failures)
            await _pause(until, min(MAX_PAUSE_S, 0.5 * 2**failures))
            continue
        failures = 0
        for update in updates:
            await queue.put(update)
        if updates:
            offset = updates[-1].update_id + 1
    if offset is not None:
        with contextlib.suppress(TelegramError):  # all stored: confirming is only tidier
            await bot.get_updates(offset=offset, timeout=0, allowed_updates=Update.ALL_TYPES)


async def replay(application: LotgenootApplication, inbound: InboundLog) -> None:
    """Queue the updates a process that died stored but did not handle, before any new one."""
    for payload in await inbound.unhandled():
        try:
            update = Update.de_json(payload, application.bot)
        except Exception as error:  # its content stays out of the log
            log.warning("a stored update could not be read error=%s", type(error).__name__)
            inbound.done(int(payload.get("update_id", 0)))
            continue
        await application.update_queue.put(update)


async def _until_set(
    request: Coroutine[Any, Any, tuple[Update, ...]], until: asyncio.Event
) -> tuple[Update, ...] | None:
    """The request's answer, or None when `until` was set first (the request is cancelled)."""
    fetching = asyncio.ensure_future(request)
    stopping = asyncio.ensure_future(until.wait())
    try:
        await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not fetching.done():
        fetching.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await fetching
        return None
    return fetching.result()


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after


def _report(error: Exception, failures: int) -> None:
    if isinstance(error, Conflict):
        log.warning(
            "Telegram refuses to give this process updates: another process polls this bot "
            "(or a webhook is set)"
        )
    elif failures == 1 or failures % 10 == 0:
        log.warning("could not take updates (%s); trying again", type(error).__name__)


async def _pause(until: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until.wait(), timeout=seconds)
