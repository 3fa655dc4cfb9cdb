"""The aiohttp request backend speaks to the Bot API as python-telegram-bot's own does."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import telegram
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.sandbox import TelegramSandbox
from bot.telegram_request import AiohttpRequest


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[TelegramSandbox]:
    async with TelegramSandbox() as sb:
        yield sb
        assert not sb.internal_errors, sb.internal_errors


@pytest_asyncio.fixture
async def bot(sandbox: TelegramSandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        sandbox.bot_token, base_url=sandbox.api_url, request=AiohttpRequest()
    ) as b:
        yield b


async def test_messages_buttons_and_updates_go_through(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    updates = await bot.get_updates(timeout=0)
    assert [update.message.text for update in updates if update.message] == ["/start"]
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("€ 12,50", callback_data="dep:1250")]]
    )
    sent = await bot.send_message(alice.id, "Hoeveel? ✓", reply_markup=keyboard)
    assert alice.last_message is not None
    assert alice.last_message["text"] == "Hoeveel? ✓"
    assert alice.last_message["message_id"] == sent.message_id
    assert alice.last_message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == (
        "dep:1250"
    )


async def test_a_document_is_uploaded_with_its_name_and_caption(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    data = b"naam;bedrag\nAlice;12\n"
    await bot.send_document(
        alice.id, io.BytesIO(data), filename="overzicht.csv", caption="Je overzicht"
    )
    message = alice.last_message
    assert message is not None
    assert message["caption"] == "Je overzicht"
    upload = sandbox.file_of(message)
    assert (upload.filename, upload.data) == ("overzicht.csv", data)


async def test_the_api_refusing_a_call_raises_as_usual(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "niemand")


async def test_no_server_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot1:A/getMe")
    assert not isinstance(raised.value, TimedOut)


async def test_a_server_that_never_answers_times_out() -> None:
    done = asyncio.Event()

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await done.wait()  # accepts, reads nothing, answers nothing
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest(read_timeout=0.05) as request:
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot1:A/getMe")
    finally:
        done.set()
        server.close()
        await server.wait_closed()
