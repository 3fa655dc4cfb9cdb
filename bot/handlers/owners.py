"""Who owns a group's Telegram chat, read with getChatAdministrators.

A read, made directly rather than through the outbox, and always outside a database
transaction (the bot's /staff_remove and the CLI's `staff remove` read before they write).
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from bot.services.peer_groups.ownership import ChatOwner


async def read_owners(bot: Bot, chat_ids: Iterable[int]) -> dict[int, ChatOwner]:
    """What Telegram says about the owner of each chat; a chat it would not tell about says why."""
    owners: dict[int, ChatOwner] = {}
    for chat_id in chat_ids:
        try:
            members = await bot.get_chat_administrators(chat_id)
        except TelegramError as error:
            owners[chat_id] = ChatOwner(unread=error.message)
            continue
        admins = frozenset(m.user.id for m in members if isinstance(m, ChatMemberAdministrator))
        owner = next((m for m in members if isinstance(m, ChatMemberOwner)), None)
        if owner is None:  # an owner who left the group is not listed
            owners[chat_id] = ChatOwner(chat_admins=admins, unread="Telegram lists no owner")
        else:
            owners[chat_id] = ChatOwner(owner.user.id, owner.user.first_name, admins)
    return owners


def unread(chat_ids: Iterable[int], why: str) -> dict[int, ChatOwner]:
    """The same reason, for each chat, why its owner is not known."""
    return {chat_id: ChatOwner(unread=why) for chat_id in chat_ids}
