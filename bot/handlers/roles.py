"""The one place roles are checked: handlers declare what they need with @requires(...)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update

from bot.db.study import Role
from bot.handlers.context import LotgenootContext
from bot.handlers.replies import reply
from bot.services.staff import roles_of

Callback = Callable[[Update, LotgenootContext], Coroutine[Any, Any, None]]


def requires(*allowed: Role) -> Callable[[Callback], Callback]:
    """Run the handler only for people holding one of `allowed`; others get a short refusal."""

    def decorate(callback: Callback) -> Callback:
        @wraps(callback)
        async def guarded(update: Update, context: LotgenootContext) -> None:
            user = update.effective_user
            if user is None:
                return
            runtime = context.runtime
            async with context.transaction() as session:
                held = await roles_of(session, user.id, runtime.settings.admin_ids)
            if held.isdisjoint(allowed):
                await reply(update, context, "staff.not_allowed")
                return
            await callback(update, context)

        return guarded

    return decorate
