"""Edits that a newer edit of the same message makes pointless, withdrawn before they are sent.

A group message that shows counts is edited as answers come in; when several come in before
the sender got round to the first edit, only the newest text is worth sending (each edit counts
against the group's 20 messages a minute).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus


async def supersede_pending(session: AsyncSession, chat_id: int, intent_prefix: str) -> int:
    """Cancel the rows still waiting for `chat_id` whose intent starts with `intent_prefix`;
    how many (the chat's waiting rows are found by index, then matched by intent)."""
    pattern = intent_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.intent_key.like(f"{pattern}%", escape="\\"),
        )
        .values(status=OutboxStatus.CANCELLED, last_error="superseded by a newer edit")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
