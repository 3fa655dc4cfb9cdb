"""The HTTP contract: auth, decoding, strictness against the spec, getUpdates, faults."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest, Conflict, EndPointNotFound, InvalidToken, NetworkError
from telegram.warnings import PTBUserWarning

from bot.sandbox import TelegramSandbox

RawApi = Callable[[str, dict[str, Any]], Awaitable[Any]]


async def test_get_me(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "lotgenoot_sandbox_bot"
    assert {c.method for c in sandbox.calls} == {"getMe"}


async def test_wrong_token_is_unauthorized(sandbox: TelegramSandbox) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("999:WRONG", base_url=sandbox.api_url):
            pass
    assert sandbox.calls[-1].http_status == 401


async def test_method_names_are_case_insensitive(sandbox: TelegramSandbox) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.api_url}{sandbox.bot_token}/GETME"
        async with http.get(url) as response:
            body = await response.json()
    assert response.status == 200
    assert body["ok"] is True
    assert sandbox.calls[-1].method == "getMe"


async def test_unknown_method_is_404_and_recorded(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    (call,) = sandbox.unknown_calls
    assert call.method == "fooBar"
    assert call.http_status == 404
    assert "not a Bot API" in call.unknown[0]


async def test_unimplemented_method_fails_and_is_recorded(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    with pytest.raises(NetworkError, match="does not implement sendPoll"):
        await bot.send_poll(1, "Q?", ["a", "b"])
    assert [c.method for c in sandbox.unknown_calls] == ["sendPoll"]
    assert sandbox.unknown_calls[0].http_status == 501


async def test_unknown_parameter_succeeds_but_is_recorded(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    await bot.send_message(alice.id, "hoi", api_kwargs={"disable_web_page_preview": True})
    (call,) = sandbox.unknown_calls
    assert call.ok
    assert call.unknown == ("disable_web_page_preview is not a parameter of sendMessage",)


async def test_unknown_nested_field_is_recorded(sandbox: TelegramSandbox, raw_api: RawApi) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a", "colour": "red"}]]}
    body = await raw_api("sendMessage", {"chat_id": alice.id, "text": "x", "reply_markup": markup})
    assert body["ok"] is True
    assert body["result"]["reply_markup"]["inline_keyboard"] == [
        [{"text": "a", "callback_data": "a"}]
    ]
    (call,) = sandbox.unknown_calls
    assert "colour is not a field of InlineKeyboardButton" in call.unknown[0]


async def test_missing_required_parameter(bot: telegram.Bot, raw_api: RawApi) -> None:
    body = await raw_api("sendMessage", {"chat_id": 1})
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: text is required"}
    # PTB warns that bot.set_my_commands exists (and would never omit `commands`).
    with pytest.raises(BadRequest, match=r"(?i)commands is required"), pytest.warns(PTBUserWarning):
        await bot.do_api_request("setMyCommands", {})


async def test_wrong_parameter_type(raw_api: RawApi) -> None:
    body = await raw_api("deleteMessage", {"chat_id": 1, "message_id": "abc"})
    assert body["description"] == "Bad Request: message_id must be Integer"


async def test_form_json_and_query_bodies(sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("hallo")
    url = f"{sandbox.api_url}{sandbox.bot_token}/sendMessage"
    async with aiohttp.ClientSession() as http:
        # A numeric-looking text stays a string: String fields are not JSON-decoded.
        form = {"chat_id": str(alice.id), "text": "42"}
        async with http.post(url, data=form) as r:
            assert (await r.json())["result"]["text"] == "42"
        async with http.post(url, json={"chat_id": alice.id, "text": "json"}) as r:
            assert (await r.json())["result"]["text"] == "json"
        async with http.get(url, params={"chat_id": alice.id, "text": "query"}) as r:
            assert (await r.json())["result"]["text"] == "query"
        markup = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})
        async with http.post(url, data={**form, "reply_markup": markup}) as r:
            assert (await r.json())["result"]["reply_markup"]["inline_keyboard"][0][0][
                "text"
            ] == "a"
    assert [m["text"] for m in alice.messages] == ["42", "json", "query", "42"]


def _texts(updates: Sequence[telegram.Update]) -> list[str | None]:
    """The text of each update's message (None for an update that is not a message)."""
    return [u.message.text if u.message else None for u in updates]


async def test_get_updates_offsets(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    for text in ("een", "twee", "drie"):
        alice.send(text)
    first = await bot.get_updates(limit=2)
    assert _texts(first) == ["een", "twee"]
    again = await bot.get_updates()  # nothing confirmed yet: same updates again
    assert _texts(again) == ["een", "twee", "drie"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert _texts(rest) == ["drie"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    ids = [u["update_id"] for u in sandbox.updates]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3


async def test_long_poll_returns_as_soon_as_a_user_writes(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    alice = sandbox.add_user("Alice")
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await sandbox.wait_for(lambda: sandbox.world.poll_generation == 1)  # the poll is waiting
    assert not poll.done()
    alice.send("ben je daar?")
    updates = await asyncio.wait_for(poll, 5)  # far sooner than the 20 s poll timeout
    assert _texts(updates)[0] == "ben je daar?"


async def test_allowed_updates_filter(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    alice.block()
    updates = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.my_chat_member is not None for u in updates] == [True]
    assert len(sandbox.world.updates.dropped) == 1


async def test_second_long_poll_terminates_the_first(
    bot: telegram.Bot, sandbox: TelegramSandbox
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=20))
    await sandbox.wait_for(lambda: sandbox.world.poll_generation == 1)
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.api_url}{sandbox.bot_token}/getUpdates"
        async with http.post(url, json={"timeout": 0}) as r:
            assert r.status == 200
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)


async def test_server_errors_have_no_effect(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    alice.send("/start")
    sandbox.server_error_rate = 1.0
    for _ in range(4):
        with pytest.raises(NetworkError):
            await bot.send_message(alice.id, "komt nooit aan")
    assert alice.messages == []
    assert sandbox.sent_messages() == []
    assert {c.http_status for c in sandbox.calls if c.method == "sendMessage"} <= {500, 502}
    sandbox.server_error_rate = 0.0
    await bot.send_message(alice.id, "nu wel")
    assert [m["text"] for m in alice.messages] == ["nu wel"]


async def test_server_errors_are_seeded() -> None:
    outcomes = []
    for _ in range(2):
        async with (
            TelegramSandbox(server_error_rate=0.5, seed=7) as sb,
            aiohttp.ClientSession() as http,
        ):
            for _ in range(12):
                async with http.post(f"{sb.api_url}{sb.bot_token}/getMyCommands") as r:
                    await r.read()
            outcomes.append([c.http_status for c in sb.calls])
    assert outcomes[0] == outcomes[1]
    assert {200} < set(outcomes[0])


async def test_latency_is_added(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    sandbox.latency_s = 0.2
    started = time.monotonic()
    await bot.get_my_commands()
    assert time.monotonic() - started >= 0.2


async def test_other_paths_answer_json_404(sandbox: TelegramSandbox) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{sandbox.base_url}/nope") as r:
        assert r.status == 404
        assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
