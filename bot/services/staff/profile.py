"""How participants see a staff member (SPEC §11.4): the display name and language accepted
with the invite (Telegram's first name and language, until changed), shown and changed here;
the language buttons under it are `directory.choose_staff_language`'s.

The name is kept on every role the person holds and emptied when a role is removed
(`bot.services.directory.remove_staff`); members see only its first word.
"""

from __future__ import annotations

from sqlalchemy import Select, select, update

from bot.db.study import StaffMember
from bot.services.directory import say_profile
from bot.services.trial import Trial
from bot.services.turns import Turn

MAX_NAME = 64


async def rename(turn: Turn, _trial: Trial, name: str | None) -> None:
    """/name [display name]: show how participants see you, or change the name."""
    rows = list(await turn.session.scalars(_own_rows(turn)))
    if not rows:
        await turn.say_text("staff.not_allowed")
        return
    if name is not None:
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > MAX_NAME or cleaned.startswith("/"):
            await turn.say_text("staff.card.name_invalid", limit=MAX_NAME)
            return
        await _change(turn, display_name=cleaned)
    await say_profile(turn, rows[0].display_name, rows[0].language)


def _own_rows(turn: Turn) -> Select[StaffMember]:
    return (
        select(StaffMember)
        .where(StaffMember.telegram_user_id == turn.user_id, StaffMember.active)
        .order_by(StaffMember.id)
    )


async def _change(turn: Turn, **values: str) -> None:
    """The same name or language on every role this person holds."""
    await turn.session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == turn.user_id, StaffMember.active)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
