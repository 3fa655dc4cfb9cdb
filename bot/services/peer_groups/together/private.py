"""A private message from the ingredients to one member, in their language, through the outbox.

Only to someone taking part and reachable: a member who paused messages hears nothing the bot
starts on its own (their buddy and their turn as host stay).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant, ParticipantStatus
from bot.i18n import Language, plural, text
from bot.outbox import Button, OutboxKind, OutgoingMessage, enqueue


@dataclass(frozen=True)
class Note:
    """A catalogue text for one member; `count` picks a plural form."""

    participant: Participant
    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    count: int | None = None

    def words(self) -> str:
        language = Language(self.participant.language)
        if self.count is not None:
            return plural(language, self.key, self.count, **self.params)
        return text(language, self.key, **self.params)


async def send(
    session: AsyncSession,
    note: Note,
    *,
    kind: OutboxKind,
    intent: str,
    now: datetime,
    not_before: datetime | None = None,
    buttons: Sequence[Sequence[Button]] = (),
) -> bool:
    """Queue `note` (True when queued; nothing for someone paused, stopped or unreachable)."""
    person = note.participant
    if person.status is not ParticipantStatus.ACTIVE or person.telegram_user_id is None:
        return False
    message = OutgoingMessage(
        chat_id=person.telegram_user_id,
        text=note.words(),
        kind=kind,
        intent_key=intent,
        participant_id=person.id,
        buttons=buttons,
        not_before=not_before,
    )
    return await enqueue(session, message, now)
