"""Turning an update into a service call: who wrote, then one transaction, then send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.handlers.context import LotgenootContext
from bot.services.trial import Trial
from bot.services.turns import Incoming, Turn, take_turn

Service = Callable[[Turn, Trial], Awaitable[None]]


async def run_turn(update: Update, context: LotgenootContext, service: Service) -> None:
    """Run `service` for the person behind `update` and wake the sender for its replies."""
    user = update.effective_user
    if user is None:
        return
    runtime = context.runtime
    incoming = Incoming(
        user_id=user.id,
        first_name=user.first_name,
        language_code=user.language_code,
        update_id=update.update_id,
        wrote=context.hand_over_writer(),
    )

    async def action(turn: Turn) -> None:
        await service(turn, runtime.trial)

    async with context.transaction() as session:
        await take_turn(session, runtime.clock.now(), incoming, action)
    runtime.wake_sender()


def argument_text(context: LotgenootContext) -> str | None:
    """Everything after the command, or None when nothing was typed."""
    return " ".join(context.args).strip() or None if context.args else None
