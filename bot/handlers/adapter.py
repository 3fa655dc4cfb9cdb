"""Turning an update into a use case: who wrote and where, then the runner, then the sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TypeVarTuple

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.context import LotgenootContext
from bot.services.runner import AlreadyHandled, Service, Throttled
from bot.services.trial import Trial
from bot.services.turns import AnyRole, Incoming, Turn

__all__ = ["Service", "argument_text", "incoming_of", "run_turn"]

Ts = TypeVarTuple("Ts")


def incoming_of(update: Update, context: LotgenootContext) -> Incoming | None:
    """Who sent `update` and from which chat, in Telegram-free terms; None for a channel post."""
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return None
    in_group = chat is not None and chat.type != "private"
    pressed_id, pressed_text, pressed_label = _pressed(update)
    return Incoming(
        user_id=user.id,
        first_name=user.first_name,
        language_code=user.language_code,
        update_id=update.update_id,
        wrote=context.hand_over_writer(),
        chat_id=chat.id if chat is not None and in_group else None,
        in_group=in_group,
        pressed_message_id=pressed_id,
        pressed_text=pressed_text,
        pressed_label=pressed_label,
    )


def _pressed(update: Update) -> tuple[int | None, str | None, str | None]:
    """The message whose inline button was pressed: its id, its text, the button's label."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None, None, None
    message = query.message
    markup = message.reply_markup
    labels = [
        button.text
        for row in (markup.inline_keyboard if markup is not None else ())
        for button in row
        if button.callback_data == query.data
    ]
    return message.message_id, message.text, labels[0] if labels else None


async def run_turn(
    update: Update,
    context: LotgenootContext,
    service: Callable[[Turn, Trial, *Ts], Awaitable[None]],
    *args: *Ts,
    roles: Collection[AnyRole] = (),
) -> None:
    """Run `service(turn, trial, *args)` for the person behind `update` (only if they hold one
    of `roles`, when given) in one transaction with the update's claim, then wake the sender."""
    incoming = incoming_of(update, context)
    if incoming is None:
        return
    runtime = context.runtime
    claim = context.claim.update_id if context.claim is not None else None
    try:
        await runtime.runner.run(incoming, service, *args, claim=claim, roles=roles)
    except AlreadyHandled:
        raise ApplicationHandlerStop from None
    except Throttled:
        runtime.wake_sender()  # the one "slow down", when this was it
        raise ApplicationHandlerStop from None
    context.claim = None
    runtime.wake_sender()


def argument_text(context: LotgenootContext) -> str | None:
    """Everything after the command, or None when nothing was typed."""
    return " ".join(context.args).strip() or None if context.args else None
