"""Private conversations: sending, editing, buttons, documents, commands, blocking."""

from __future__ import annotations

import asyncio
import io

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.sandbox import MEDIA_KINDS, TelegramSandbox


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


async def test_user_command_gets_bot_command_entity(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice", username="alice")
    sent = alice.send("/start abc123")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    alice.send("/help@lotgenoot_sandbox_bot")
    alice.send("👋 gewoon tekst")
    updates = await bot.get_updates()
    start, help_, plain = (u.message for u in updates)
    assert start is not None
    assert help_ is not None
    assert plain is not None
    assert start.from_user is not None
    assert start.text == "/start abc123"
    assert start.parse_entities(["bot_command"]) == {start.entities[0]: "/start"}
    assert help_.entities[0].length == len("/help@lotgenoot_sandbox_bot")
    assert plain.entities == ()
    assert start.from_user.language_code == "nl"
    assert start.chat.type == "private"


async def test_send_message_to_someone_who_never_wrote(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(alice.id, "hallo?")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "wie?")
    alice.send("/start")
    message = await bot.send_message(alice.id, "Welkom!")
    assert message.chat_id == alice.chat_id
    assert message.from_user is not None
    assert message.from_user.id == 123456


async def test_blocked_user(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    alice.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "hallo")
    with pytest.raises(Forbidden):
        await bot.send_document(alice.id, b"x", filename="a.txt")
    updates = await bot.get_updates()
    change = updates[-1].my_chat_member
    assert change is not None
    assert change.old_chat_member.status == "member"
    assert change.new_chat_member.status == "kicked"
    assert change.new_chat_member.user.id == 123456
    alice.unblock()
    await bot.send_message(alice.id, "welkom terug")
    assert [m["text"] for m in alice.messages] == ["welkom terug"]


async def test_message_ids_increase_per_chat_and_dates_follow_the_clock() -> None:
    sandbox = TelegramSandbox(clock=lambda: 2_000_000_000.0)
    await sandbox.start()
    try:
        async with telegram.Bot(sandbox.bot_token, base_url=sandbox.api_url) as bot:
            alice, bob = sandbox.add_user("Alice"), sandbox.add_user("Bob")
            first = alice.send("hoi")
            bob.send("hoi")
            reply = await bot.send_message(alice.id, "hoi Alice")
            other = await bot.send_message(bob.id, "hoi Bob")
    finally:
        await sandbox.stop()
    assert reply.message_id == first["message_id"] + 1
    assert other.message_id == 2
    assert first["date"] == 2_000_000_000
    assert reply.date.timestamp() == 2_000_000_000


async def test_html_is_parsed_into_entities(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    await bot.send_message(
        alice.id, "<b>Stap 1</b> &amp; <a href='https://x.nl'>meer</a>", parse_mode="HTML"
    )
    message = alice.last_message
    assert message is not None
    assert message["text"] == "Stap 1 & meer"
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "offset": 9, "length": 4, "url": "https://x.nl"},
    ]
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(alice.id, "1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(alice.id, "Klaar.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice.id, "<b> </b>", parse_mode="HTML")


async def test_callback_press_and_answer(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    await bot.send_message(alice.id, "Doe je mee?", reply_markup=_keyboard("ja", "nee"))
    message = alice.last_message
    assert message is not None
    with pytest.raises(ValueError, match="no button"):
        alice.press(message, "misschien")
    query = alice.press(message, "ja")
    updates = await bot.get_updates()
    callback = updates[-1].callback_query
    assert isinstance(callback, telegram.CallbackQuery)
    assert callback.data == "ja"
    assert callback.from_user.id == alice.id
    assert callback.message is not None
    assert callback.message.message_id == message["message_id"]
    assert alice.callback_answer(query) is None
    await callback.answer("Top!")  # CallbackQuery carries the bot from get_updates
    assert alice.callback_answer(query) == {"text": "Top!"}
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(callback.id)


async def test_edit_message(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    sent = await bot.send_message(alice.id, "Vraag 1", reply_markup=_keyboard("a", "b"))
    edited = await bot.edit_message_text("Vraag 1 ✔", chat_id=alice.id, message_id=sent.message_id)
    assert isinstance(edited, telegram.Message)
    assert edited.edit_date is not None
    assert alice.messages == [alice.last_message]
    assert alice.last_message is not None
    assert alice.last_message["text"] == "Vraag 1 ✔"
    assert "reply_markup" not in alice.last_message  # edits drop a keyboard not passed again
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Vraag 1 ✔", chat_id=alice.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=999)
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=_keyboard("c"))
    with pytest.raises(ValueError, match="no button"):
        alice.press(alice.last_message, "a")
    alice.press(alice.last_message, "c")


async def test_stale_button_cannot_be_pressed_after_delete(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    sent = await bot.send_message(alice.id, "Kies", reply_markup=_keyboard("x"))
    snapshot = alice.last_message
    assert snapshot is not None
    assert await bot.delete_message(alice.id, sent.message_id)
    assert alice.messages == []
    with pytest.raises(ValueError, match="no longer exists"):
        alice.press(snapshot, "x")
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    assert sandbox.sent_messages(alice.id)[0]["text"] == "Kies"  # still in the record


async def test_send_document_keeps_the_bytes(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    data = b"naam;bedrag\nAlice;12\n"
    sent = await bot.send_document(
        alice.id, io.BytesIO(data), filename="overzicht.csv", caption="Je overzicht"
    )
    assert sent.document is not None
    assert sent.document.file_name == "overzicht.csv"
    assert sent.document.file_size == len(data)
    message = alice.last_message
    assert message is not None
    assert message["caption"] == "Je overzicht"
    upload = sandbox.file_of(message)
    assert upload.data == data
    assert upload.filename == "overzicht.csv"
    assert message["document"]["mime_type"] == "text/csv"
    again = await bot.send_document(alice.id, sent.document.file_id)  # resend by file_id
    assert again.document is not None
    assert again.document.file_unique_id == sent.document.file_unique_id
    call = sandbox.calls[-2]
    assert call.method == "sendDocument"
    assert call.params["document"].data == data


async def test_reply_keyboard_and_replies(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    question = alice.send("/start")
    await bot.send_message(
        alice.id,
        "Hoe gaat het?",
        reply_markup=ReplyKeyboardMarkup([["Goed", "Slecht"]], one_time_keyboard=True),
        reply_to_message_id=question["message_id"],
    )
    assert alice.reply_keyboard is not None
    assert alice.reply_keyboard["keyboard"][0][0]["text"] == "Goed"
    assert alice.last_message is not None
    assert alice.last_message["reply_to_message"]["text"] == "/start"
    assert "reply_markup" not in alice.last_message  # only inline keyboards live on messages
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(alice.id, "x", reply_to_message_id=999)


async def test_inline_button_rules(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(alice.id, "x", reply_markup=too_long)
    bare = InlineKeyboardMarkup([[InlineKeyboardButton("x")]])
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(alice.id, "x", reply_markup=bare)


async def test_my_commands_per_scope_and_language(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    nl = [telegram.BotCommand("start", "Beginnen"), telegram.BotCommand("stop", "Stoppen")]
    en = [telegram.BotCommand("start", "Begin")]
    assert await bot.set_my_commands(nl, language_code="nl")
    assert await bot.set_my_commands(en, language_code="en")
    await bot.set_my_commands(
        [telegram.BotCommand("help", "Hulp")], scope=telegram.BotCommandScopeAllPrivateChats()
    )
    assert sandbox.commands[("default", "nl")] == [
        {"command": "start", "description": "Beginnen"},
        {"command": "stop", "description": "Stoppen"},
    ]
    assert sandbox.commands[("default", "en")] == [{"command": "start", "description": "Begin"}]
    assert ("all_private_chats", "") in sandbox.commands
    assert [c.command for c in await bot.get_my_commands(language_code="nl")] == ["start", "stop"]
    assert await bot.get_my_commands() == ()
    await bot.delete_my_commands(language_code="en")
    assert ("default", "en") not in sandbox.commands
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([telegram.BotCommand("Start", "Hoofdletter")])


async def test_wait_for_messages_reads_like_a_conversation(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")

    async def bot_side() -> None:
        await bot.send_message(alice.id, "Hoi!")
        await bot.send_message(alice.id, "Hoe heet je?")
        await bot.send_message(alice.id, "Fijn.")

    task = asyncio.create_task(bot_side())
    first_two = await alice.wait_for_messages(count=2)
    assert [m["text"] for m in first_two][:2] == ["Hoi!", "Hoe heet je?"]
    await task
    rest = await alice.wait_for_messages(count=len(alice.messages) - len(first_two))
    assert [m["text"] for m in first_two + rest] == ["Hoi!", "Hoe heet je?", "Fijn."]


async def test_reading_what_is_new_before_any_chat_gives_nothing(sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    assert await alice.wait_for_messages(count=0) == []


async def test_wait_for_timeout_explains(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "te vroeg")
    with pytest.raises(TimeoutError) as caught:
        await alice.wait_for_messages(count=1, timeout=0.05)
    text = str(caught.value)
    assert "1 new message(s) from the bot to Alice" in text
    assert "sendMessage" in text
    assert "chat not found" in text


@pytest.mark.parametrize("kind", MEDIA_KINDS)
async def test_user_sends_media_the_bot_receives_as_telegram_shapes_it(
    bot: telegram.Bot, sandbox: TelegramSandbox, kind: str
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send_media(kind)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None
    assert message.text is None
    assert getattr(message, kind), f"no {kind} on the message"
    assert message.effective_attachment


async def test_media_with_a_caption_carries_it() -> None:
    async with TelegramSandbox() as sandbox:
        alice = sandbox.add_user("Alice")
        sent = alice.send_media("photo", caption="mijn brief")
        with pytest.raises(ValueError, match="no caption"):
            alice.send_media("sticker", caption="nee")
    assert sent["caption"] == "mijn brief"
    assert sent["photo"][-1]["width"] > sent["photo"][0]["width"]


async def test_user_edits_a_sent_message_and_the_bot_gets_edited_message(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    sent = alice.send("/deposit 10")
    alice.edit(sent, "/deposit 100")
    first, edit = await bot.get_updates()
    assert first.message is not None
    assert first.message.text == "/deposit 10"
    assert edit.message is None
    assert edit.edited_message is not None
    assert edit.edited_message.message_id == sent["message_id"]
    assert edit.edited_message.text == "/deposit 100"
    assert edit.edited_message.edit_date is not None
    assert edit.edited_message.entities[0].type == "bot_command"


async def test_an_edit_that_changes_nothing_or_another_persons_message_is_refused(
    sandbox: TelegramSandbox,
) -> None:
    alice, bob = sandbox.add_user("Alice"), sandbox.add_user("Bob")
    sent = alice.send("hallo")
    with pytest.raises(ValueError, match="changes nothing"):
        alice.edit(sent, "hallo")
    with pytest.raises(ValueError, match="no text message"):
        bob.edit(sent, "hoi")
