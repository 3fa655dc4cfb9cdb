"""Flood limits: Telegram answers 429 instead of queueing, and so does the sandbox."""

from __future__ import annotations

import time

import pytest
import telegram
from telegram.error import RetryAfter

from bot.sandbox import TelegramSandbox
from bot.sandbox.errors import ApiError
from bot.sandbox.limits import RateLimiter, SlidingWindow

# PTB 22.x warns about its own RetryAfter.retry_after type change whenever it builds one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def test_sliding_window_retry_after_counts_from_the_oldest_blocking_event() -> None:
    window = SlidingWindow(60.0)
    for t in range(20):
        assert window.retry_after(float(t), 20) is None
        window.record(float(t))
    assert window.retry_after(30.0, 20) == 30  # the event at t=0 frees a slot at t=60
    assert window.retry_after(60.0, 20) is None
    assert window.retry_after(60.5, 19) == 1  # never less than one second


def test_rejected_messages_do_not_count() -> None:
    now = [0.0]
    limiter = RateLimiter(global_limit_per_s=2, monotonic=lambda: now[0])
    limiter.admit(1)
    limiter.admit(2)
    for _ in range(5):
        with pytest.raises(ApiError) as caught:
            limiter.admit(3)
        assert caught.value.status == 429
        assert caught.value.parameters == {"retry_after": 1}
    now[0] = 1.0
    limiter.admit(3)
    limiter.admit(4)


def test_private_chat_limit_is_optional() -> None:
    now = [0.0]
    limiter = RateLimiter(private_chat_limit_per_s=0.5, monotonic=lambda: now[0])
    limiter.admit(7)
    with pytest.raises(ApiError) as caught:
        limiter.admit(7)
    assert caught.value.parameters == {"retry_after": 2}
    limiter.admit(8)  # another chat is fine
    limiter.enabled = False
    limiter.admit(7)


async def test_burst_over_30_per_second(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    people = [sandbox.add_user(f"Deelnemer {i}") for i in range(41)]
    for person in people:
        person.send("/start")
    started = time.monotonic()
    accepted, rejected = [], []
    for person in people:
        try:
            await bot.send_message(person.id, "Nieuwe ronde!")
            accepted.append(person)
        except RetryAfter:
            rejected.append(person)
    # The burst must fit in one window for the count to be exact; it takes ~0.1 s here.
    assert time.monotonic() - started < 1.0
    assert accepted == people[:30]
    assert rejected == people[30:]
    waits = [c.response["parameters"]["retry_after"] for c in sandbox.calls if c.http_status == 429]
    assert len(waits) == 11
    assert all(isinstance(w, int) and w >= 1 for w in waits)
    assert len(sandbox.sent_messages()) == 30
    assert all(len(p.messages) == 1 for p in accepted)
    assert all(p.messages == [] for p in rejected)
    statuses = [c.http_status for c in sandbox.calls if c.method == "sendMessage"]
    assert statuses == [200] * 30 + [429] * 11


async def test_group_limit_20_per_minute(bot: telegram.Bot, sandbox: TelegramSandbox) -> None:
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("Groep", creator=alice)
    group.add_bot()
    for i in range(20):
        await bot.send_message(group.id, f"bericht {i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(group.id, "te veel")
    assert 1 <= sandbox.calls[-1].response["parameters"]["retry_after"] <= 60
    assert len(group.messages) == 20
    alice.send("/start")
    await bot.send_message(alice.id, "privé mag nog wel")  # other chats are unaffected
    await bot.edit_message_text(
        "bewerkt", chat_id=group.id, message_id=group.messages[0]["message_id"]
    )


async def test_limits_can_be_switched_off() -> None:
    async with TelegramSandbox(enforce_limits=False, group_limit_per_min=1) as sandbox:
        alice = sandbox.add_user("Alice")
        group = sandbox.add_group("Groep", creator=alice)
        group.add_bot()
        bot = telegram.Bot(sandbox.bot_token, base_url=sandbox.api_url)
        async with bot:
            for i in range(3):
                await bot.send_message(group.id, f"bericht {i}")
            sandbox.enforce_limits = True  # switched-off sends were not counted
            await bot.send_message(group.id, "dit past nog")
            with pytest.raises(RetryAfter):
                await bot.send_message(group.id, "nu niet meer")
