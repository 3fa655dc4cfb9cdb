"""The real thing: a python-telegram-bot Application polling the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
)

from bot.sandbox import TelegramSandbox, load_spec
from bot.sandbox.updates import update_kind

# what ApplicationBuilder().build() gives: python-telegram-bot's default bot, context and data
DefaultApplication = Application[
    ExtBot[None],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    payload = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Doe mee", callback_data="join")]])
    await update.message.reply_html(f"Welkom! Code: <b>{payload}</b>", reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Genoteerd")
    await query.edit_message_text("Je doet mee.")


async def join_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    request = update.chat_join_request
    assert request is not None
    await context.bot.send_message(request.user_chat_id, "We kijken naar je verzoek.")
    await request.approve()


async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.chat_member
    assert change is not None
    if change.new_chat_member.status == "member":
        name = change.new_chat_member.user.first_name
        await context.bot.send_message(change.chat.id, f"Welkom {name}!")


@pytest_asyncio.fixture
async def application(sandbox: TelegramSandbox) -> AsyncIterator[DefaultApplication]:
    app = ApplicationBuilder().token(sandbox.bot_token).base_url(sandbox.api_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(ChatJoinRequestHandler(join_request))
    app.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=5)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_conversation_through_a_real_application(
    application: DefaultApplication,
    sandbox: TelegramSandbox,
) -> None:
    alice = sandbox.add_user("Alice", username="alice")
    alice.send("/start abc123")
    (welcome,) = await alice.wait_for_messages(count=1)
    assert welcome["text"] == "Welkom! Code: abc123"
    assert welcome["entities"][0]["type"] == "bold"
    query = alice.press(welcome, "join")
    await sandbox.wait_for(lambda: alice.callback_answer(query) is not None)
    assert alice.callback_answer(query) == {"text": "Genoteerd"}
    await sandbox.wait_for(lambda: alice.messages[0]["text"] == "Je doet mee.")
    assert "reply_markup" not in alice.messages[0]
    assert sandbox.unknown_calls == []


async def test_join_flow_through_a_real_application(
    application: DefaultApplication,
    sandbox: TelegramSandbox,
) -> None:
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("Spaarders 21-25", creator=alice)
    group.add_bot()
    link = await application.bot.create_chat_invite_link(group.id, creates_join_request=True)
    bob = sandbox.add_user("Bob")
    bob.request_join(link.invite_link)
    await sandbox.wait_for(lambda: group.is_member(bob), what="Bob approved")
    await sandbox.wait_for(lambda: any("Welkom Bob" in m["text"] for m in group.messages))
    assert [m["text"] for m in bob.messages] == ["We kijken naar je verzoek."]
    kinds = {update_kind(u) for u in sandbox.updates}
    assert {"my_chat_member", "chat_member", "chat_join_request", "message"} <= kinds
    assert set(kinds) <= set(load_spec().types["Update"].fields)
    assert sandbox.unknown_calls == []
