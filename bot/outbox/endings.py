"""How deliveries ended, written down: sent or failed, unreachable chats, and what follows.

The sender's recorder calls `write_endings` with a batch of endings in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import store
from bot.outbox.outcomes import Delivered, Outcome, Rejected, Transient, Unreachable
from bot.outbox.recorder import Ending

# The sender's own log lines, written here on its behalf: the logger's name stays the sender's.
log = logging.getLogger("bot.outbox.sender")

UnreachableHook = Callable[[AsyncSession, int, str], Awaitable[None]]
# What happens next once a row of some kind has ended (an invite link made: send it to its
# member), in the transaction that records the ending: (session, row, outcome, study time).
FollowUp = Callable[[AsyncSession, store.ClaimedMessage, Outcome, datetime], Awaitable[None]]


async def write_endings(
    session: AsyncSession,
    endings: Sequence[Ending],
    now: datetime,
    *,
    on_unreachable: UnreachableHook | None,
    follow_ups: Mapping[str, FollowUp],
) -> None:
    """Record a batch of endings, in the one transaction the recorder opened for them: sent or
    failed, a chat that is gone (its queued messages cancelled), then each kind's follow-up."""
    delivered = [
        store.Sent(ending.message, ending.outcome.message_id, ending.tries)
        for ending in endings
        if isinstance(ending.outcome, Delivered)
    ]
    await store.mark_sent(session, delivered, now=now)
    for ending in endings:
        message, outcome = ending.message, ending.outcome
        if isinstance(outcome, Delivered):
            continue
        reason = failure_reason(outcome)
        log.warning(
            "not delivered outbox_id=%s participant=%s kind=%s attempts=%d reason=%r",
            message.id,
            message.participant_id,
            message.kind,
            ending.tries,
            reason,
        )
        await store.mark_failed(session, message, reason=reason, tries=ending.tries)
        if isinstance(outcome, Unreachable) and message.is_message:
            # a call that fails (no rights to restrict, a user who left) ends only itself
            cancelled = await store.mark_unreachable(session, message, reason, now)
            log.info(
                "chat unreachable outbox_id=%s participant=%s cancelled=%d",
                message.id,
                message.participant_id,
                cancelled,
            )
            if on_unreachable is not None:
                await on_unreachable(session, message.chat_id, outcome.reason)
    for ending in endings:
        follow_up = follow_ups.get(ending.message.kind)
        if follow_up is not None:
            await follow_up(session, ending.message, ending.outcome, now)


def failure_reason(outcome: Outcome) -> str:
    """Why a message was not delivered, in words for the log and the row ("unreachable: …")."""
    if isinstance(outcome, Unreachable):
        return f"unreachable: {outcome.reason}"
    if isinstance(outcome, Rejected):
        return f"rejected: {outcome.reason}"
    if isinstance(outcome, Transient):
        return f"gave up: {outcome.reason}"
    return f"unexpected: {outcome!r}"
