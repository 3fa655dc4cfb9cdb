"""Which language to answer someone in: the one they chose, else Telegram's."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ChatType
from bot.db.study import Participant
from bot.i18n import Language, language_from_code, text
from bot.outbox import OutboxKind, OutgoingCall, enqueue
from bot.services.participants.commands import MENU_COMMANDS, listed_for
from bot.services.trial import Trial
from bot.services.turns import Turn

COMMANDS_KIND = OutboxKind.COMMANDS

CHOSEN_LANGUAGE = select(Participant.language).where(
    Participant.telegram_user_id == bindparam("user_id")
)


async def chosen_language(
    session: AsyncSession, telegram_user_id: int, language_code: str | None
) -> Language:
    """A participant's chosen language; for anyone else (staff, strangers) Telegram's."""
    stored = await session.scalar(CHOSEN_LANGUAGE, {"user_id": telegram_user_id})
    return Language(stored) if stored else language_from_code(language_code)


def command_list(
    language: Language, names: tuple[str, ...] = MENU_COMMANDS
) -> list[dict[str, str]]:
    """The command list with its descriptions in `language` (setMyCommands' `commands`)."""
    return [
        {"command": command, "description": text(language, f"commands.{command}")}
        for command in names
    ]


async def hide_commands_in(turn: Turn) -> None:
    """Take this chat's own command list away (after /delete): the chat shows the bot's
    default list again. The erasure has forgotten the participant by now, so the row is a
    stranger's and forgets the chat once done."""
    await _for_this_chat(turn, "deleteMyCommands")


async def show_commands_in(turn: Turn, trial: Trial) -> None:
    """Give this person's chat the command list in the language they chose
    (BotCommandScopeChat), whatever language their Telegram app is set to, with only the
    commands their track and arm have (none for a logbook they do not keep)."""
    names = listed_for(turn.participant, trial)
    await _for_this_chat(turn, "setMyCommands", commands=command_list(turn.language, names))


async def _for_this_chat(turn: Turn, method: str, **params: object) -> None:
    """Queue a command-list call scoped to this person's chat."""
    participant = turn.participant
    await enqueue(
        turn.session,
        OutgoingCall(
            chat_id=turn.user_id,
            method=method,
            params={**params, "scope": {"type": "chat", "chat_id": turn.user_id}},
            kind=COMMANDS_KIND,
            intent_key=f"{COMMANDS_KIND}:{turn.incoming.update_id}",
            participant_id=participant.id if participant is not None else None,
            chat_type=ChatType.PRIVATE,
        ),
        turn.now,
    )
