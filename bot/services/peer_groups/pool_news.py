"""What someone waiting for a group hears: that they wait, how it stands, where the wait limit
placed them, or, honestly, that no group can take them yet.

The periodic "still waiting" update is its own outbox kind (`UPDATE_KIND`), the least urgent
message the bot sends; the news of a placement or of no place is another (`PLACEMENT_KIND`).
Each message's intent key says what it is about, so a scan every minute sends it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import PoolEntry
from bot.i18n import Language, plural, text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue
from bot.outbox.messages import Priority
from bot.services import button_data

UPDATE_KIND = OutboxKind.POOL_UPDATE
PLACEMENT_KIND = OutboxKind.POOL_PLACEMENT
Placement = Literal["merged", "formed_small", "joined_group"]  # what the wait limit did


@dataclass
class Waiting:
    """Someone in a pool, as the scans see them."""

    entry: PoolEntry
    language: str
    telegram_user_id: int | None = None
    paused: bool = False

    @property
    def participant_id(self) -> int:
        return self.entry.participant_id

    @property
    def entered_at(self) -> datetime:
        return self.entry.entered_at


async def tell_waiting(
    session: AsyncSession,
    waiting: Waiting,
    key: str,
    intent: str,
    now: datetime,
    *,
    kind: OutboxKind = UPDATE_KIND,
    priority: Priority | None = None,
    buttons: tuple[tuple[Button, ...], ...] = (),
    words: str | None = None,
    **params: object,
) -> bool:
    """A private word to someone in a pool, in their language (once per intent); `words`
    replaces the catalogue text of `key` when the message is made of several texts."""
    if waiting.telegram_user_id is None:
        return False
    message = OutgoingMessage(
        chat_id=waiting.telegram_user_id,
        text=words if words is not None else text(Language(waiting.language), key, **params),
        kind=kind,
        intent_key=intent,
        participant_id=waiting.participant_id,
        priority=priority,
        buttons=buttons,
    )
    return await enqueue(session, message, now)


async def tell_update(
    session: AsyncSession,
    waiting: Waiting,
    track: str,
    more: int,
    days_left: int,
    intent: str,
    now: datetime,
) -> bool:
    """How it stands: how many more people their group needs, and within how many days the
    wait limit looks for a place for them otherwise."""
    language = Language(waiting.language)
    return await tell_waiting(
        session,
        waiting,
        "pool.still_waiting",
        intent,
        now,
        track=text(language, f"track.{track}"),
        more=plural(language, "pool.more", more),
        days=plural(language, "pool.days", days_left),
    )


async def tell_placed(
    session: AsyncSession, waiting: Waiting, placement: Placement, size: int, now: datetime
) -> bool:
    """Where the wait limit placed them, and how many the group counts with them."""
    intent = f"pool_placed:{waiting.participant_id}"
    return await tell_waiting(
        session, waiting, f"pool.{placement}", intent, now, kind=PLACEMENT_KIND, size=size
    )


async def tell_not_placeable(
    session: AsyncSession, waiting: Waiting, track: str, now: datetime, *, counsellor: bool
) -> bool:
    """No group can take them: said once, with a button that asks their counsellor when their
    arm has one."""
    language = Language(waiting.language)
    words = text(language, "pool.not_placeable", track=text(language, f"track.{track}"))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if counsellor:
        words += "\n\n" + text(language, "pool.not_placeable_counsellor")
        label = text(language, "pool.counsellor_button")
        buttons = ((button_data.button(label, button_data.AskAboutPlacement()),),)
    intent = f"pool_not_placeable:{waiting.participant_id}"
    return await tell_waiting(
        session,
        waiting,
        "pool.not_placeable",
        intent,
        now,
        kind=PLACEMENT_KIND,
        buttons=buttons,
        words=words,
    )
