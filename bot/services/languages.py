"""Which language to answer someone in: the one they chose, else Telegram's."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant
from bot.i18n import Language, language_from_code

CHOSEN_LANGUAGE = select(Participant.language).where(
    Participant.telegram_user_id == bindparam("user_id")
)


async def chosen_language(
    session: AsyncSession, telegram_user_id: int, language_code: str | None
) -> Language:
    """A participant's chosen language; for anyone else (staff, strangers) Telegram's."""
    stored = await session.scalar(CHOSEN_LANGUAGE, {"user_id": telegram_user_id})
    return Language(stored) if stored else language_from_code(language_code)
